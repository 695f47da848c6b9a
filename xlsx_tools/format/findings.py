"""Findings: what a check found, as data (code, severity, place, message, fix hint).

Statutory rules (I*, S*, R*, X*, T*, F*, C*) take their wording from the declaration; the
file-level and tool-level codes are registered here, once.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .declaration import Format, Rule, load

#: key → (severity, message template, hint) for findings that are not worded by a statutory rule,
#: in groups by where they arise. A key's code is the part before "/" (``S6/text`` reports as ``S6``),
#: so several situations of one rule share its code while each gets its own wording.
_FILE: dict[str, tuple[str, str, str]] = {
    "F-EMPTY": ("error", "文件是空的（0 字节）", "请报送单位重新发送文件。"),
    "F-NOT-XLSX": ("error", "不是 Excel 工作簿", "请在 Excel 或 WPS 中打开后“另存为”Excel 工作簿（.xlsx）再报送。"),
    "F-CORRUPT": ("error", "文件已损坏，无法读取（{detail}）", "文件可能在下载或传输中损坏，请报送单位重新发送。"),
    "F-IGNORED": ("info", "已跳过：{why}", "如确是报表，请报送单位改用 Excel 工作簿（.xlsx）重新报送。"),
    "F-LOCKFILE": ("info", "Excel/WPS 打开文件时生成的临时锁文件，已忽略", "无需处理。"),
    "F-ENCRYPTED": ("error", "文件设置了打开密码，无法读取",
                    "请取消打开密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后重新报送。"),
    "F-LEGACY-XLS": ("error", "文件是旧版 Excel 97-2003 格式（.xls）", "请用 Excel 或 WPS 另存为 Excel 工作簿（.xlsx）后报送。"),
    "F-MACRO": ("error", "文件含有宏（VBA 工程），为安全起见不予读取，也不会转给任何人",
                "请在 Excel 或 WPS 中另存为“Excel 工作簿（*.xlsx）”（不含宏）后重新报送。"),
    "F-FORMAT": ("error", "文件是{format}，不是 Excel 工作簿（.xlsx）", "请用 Excel 或 WPS 另存为 Excel 工作簿（.xlsx）后报送。"),
    "F-STRICT-OOXML": ("error", "文件是“Strict Open XML 电子表格”格式", "请另存为“Excel 工作簿（.xlsx）”后报送。"),
    "F-UNSAFE-XML": ("error", "文件含有不安全的 XML 内容（{detail}），已拒绝读取", "请用 Excel 或 WPS 重新保存后报送。"),
    "F-TOO-BIG": ("error",
                  "文件解压后过大：部件 {part} 为 {size} MB（累计 {total} MB，压缩比 {ratio}:1），超过上限 {limit} MB",
                  "如确属正常文件，可用 {flag} 提高上限后重试。"),
    "F-TOO-BIG/lying": ("error", "文件内部的大小信息不实：部件 {part} 声明解压后为 {declared} MB，实际解压已超过 {size} MB，已停止读取",
                        "文件可能已损坏或被改动过，请在 Excel 或 WPS 中重新保存后报送。"),
    "F-TOO-MANY-PARTS": ("error", "文件内部部件过多（{count} 个，上限 {limit} 个）", "如确属正常文件，可用 {flag} 提高上限后重试。"),
    "F-UNREADABLE": ("error", "无法读取文件：{detail}", "请确认文件是 Excel 工作簿（.xlsx），未加密、未损坏。"),
    "F-CRASH": ("error", "读取此文件时校验程序出错（{detail}），其他文件不受影响",
                "请将此文件和本提示发给技术支持；可先在 Excel 或 WPS 中重新保存后再试。"),
    "F-TIMEOUT": ("error", "读取此文件超过 {seconds} 秒仍未完成，已停止（其他文件不受影响）",
                  "文件可能异常巨大或已损坏，请在 Excel 或 WPS 中重新保存后报送；如确属正常文件，可用 --timeout 放宽时限。"),
    "F-NOT-TEMPLATE": ("error", "文件中没有年报模板的任何表格（工作表：{found}）",
                       "请使用年报模板（nianbao template 生成）填报，不要更改工作表名称。"),
    "F-TEMPLATE-VERSION": ("warning", "模板版本为 {found}，当前为 {expected}", "建议使用最新模板填报。"),
    "F-UNCALCULATED": ("error", "公式 ={formula} 没有计算结果（文件由程序生成或保存时未重新计算）",
                       "请在 Excel 或 WPS 中打开文件，保存后重新报送。"),
}

_STRUCTURE: dict[str, tuple[str, str, str]] = {
    "STRUCT/sheet-renamed": ("warning", "工作表“{declared}”被改名为“{sheet}”（已按内容识别并照常读取）",
                             "把工作表名改回“{declared}”，以免其他软件和上级汇总找不到它。"),
    "STRUCT/held": ("info", "{table}未能读取，与它有关的核对（勾稽关系、正文所述数字）暂不进行", "先按上面的问题修复{table}，再重新校验。"),
    "STRUCT/sheet-missing": ("error", "缺少工作表“{sheet}”{suggestion}", "不要删除或重命名模板的工作表。"),
    "STRUCT/label": ("error", "{sheet}!{cell} 应为“{expected}”，实际为“{actual}”{moved}",
                     "不要在表格中插入、删除或移动行列，不要修改标签；请把数字填回最新模板。"),
    "S5/2019": ("error", "{sheet} 使用了 2019 年旧格式（发现“{label}”）",
                "2021 年起须使用新格式（国办公开办函〔2021〕30号），请改用最新模板填报。"),
    "S-DATA-OUTSIDE-TABLE": ("warning", "表格区域以外有 {count} 个单元格有内容（第一个在 {first}）",
                             "表格以外的内容不会被读取，请确认没有把数字填错位置。"),
    "S-SUMMARY": ("error", "单位类型为“汇总”，但“{label}”缺失或不是不小于 {least} 的整数", "汇总表由 nianbao merge 生成，请不要修改其基本信息；单位报表的单位类型请从下拉列表选择。"),
    "S-LABEL-NORMALISED": ("info", "{sheet} 有 {count} 个标签含多余空格、不可见字符或全角/半角差异（第一个在 {cell}：“{actual}”），已按模板标签读取",
                           "无需处理；如需整洁，可把标签改回模板原文。"),
    "S-MERGED-CELLS": ("warning", "合并单元格 {range} 覆盖了填报单元格 {covered}，其中只有 {cell} 的值会被读取",
                       "取消合并（开始→合并后居中），在每个单元格分别填写数字。"),
    "S-EXTRA-SHEET": ("info", "工作簿中有模板以外的工作表“{sheet}”，已忽略", "无需处理。"),
}

_CELLS: dict[str, tuple[str, str, str]] = {
    "S6/text": ("error", "应填数字，实际是文字“{raw}”", "改为数字；没有发生的填 0。"),
    "S6/text-number": ("error", "数字以文字形式填写（“{raw}”），求和时不计入", "删除单位或文字，直接填数字 {meant}。"),
    "S6/yuan": ("error", "收费金额写成了带“元”的文字（“{raw}”），求和时不计入", "这一栏以万元为单位：改为数字 {meant}（即 {meant} 万元）。"),
    "S6/placeholder": ("warning", "用“{raw}”代替了 0", "没有发生的请填 0。"),
    "S6/negative": ("error", "数量不能为负数（{raw}）", "改为 0 或正整数。"),
    "S6/fraction": ("error", "数量应为整数，实际为 {raw}", "改为整数。"),
    "S6/too-large": ("error", "数量 {raw} 超过 15 位数字，Excel 无法精确保存，不可能是件数", "核对该单元格，是否误粘贴了代码或证件号码；填写实际件数。"),
    "S6-EXCEL-ERROR": ("error", "单元格显示错误值 {raw}", "检查该单元格，改为数字；不要引用已删除的单元格。"),
    "S7": ("warning", "单元格为空（按 0 计算）", "没有发生的请填 0；评估中空白会被视为“表格缺项”。"),
    "T-FORMULA-LIKE": ("info", "文字以“{lead}”开头，形如公式；按文字读取和汇总，不会作为公式计算", "无需处理；如是误填，请删除开头的“{lead}”。"),
    "T-CONTROL-CHAR": ("warning", "文字中含有 {count} 个不可见的控制字符（如 {sample}），汇总时以 _xHHHH_ 形式保存",
                       "删除其中的不可见字符（常见于从其他系统复制粘贴的文字）。"),
    "T-TOO-LONG": ("error", "文字长 {length} 字，超过 Excel 单元格上限 {limit} 字，汇总时会被截断", "精简该部分文字，控制在 {limit} 字以内。"),
}

_MERGE: dict[str, tuple[str, str, str]] = {
    "F-DUPLICATE": ("info", "与 {other} 内容完全相同，只计一次", "无需处理。"),
    "C2/rejected": ("error", "文件有 {errors} 个错误，未纳入汇总", "请该单位按问题清单修改后重新报送。"),
    "C5/year": ("error", "{label}为 {found}，本次收集的是 {year} 年度的年报", "核对并改正“{label}”后重新报送；本来就要汇总其他年度的，汇总时指定那个年度。"),
    "C5/level": ("error", "这是{found}，本次收集的是{others}：不同层级的报表一起汇总会重复计算",
                 "把汇总表与单位报表分开汇总：先汇总单位报表，再把各汇总表汇总到上一级。"),
    "C5/resubmitted": ("error", "同一单位（{agency}）同一年度还报送了不同的文件：{others}；均未纳入汇总",
                       "确认以哪一份为准并删除另一份后重新汇总；或用 --prefer newest 采用填报日期较晚的一份。"),
    "C5/undecided": ("error", "同一单位（{agency}）同一年度报送了多份不同文件（另见 {others}），填报日期相同或未填，无法确定哪一份较新；均未纳入汇总",
                     "确认以哪一份为准并删除另一份后重新汇总。"),
    "C5/superseded": ("info", "同一单位另有填报日期较晚（{date}）的文件 {newer}，按 --prefer newest 以该文件为准，本文件未纳入汇总", "无需处理。"),
    "C5/missing": ("warning", "名录中的单位“{agency}”未纳入汇总：{why}", "催报，或请该单位修改后重新报送。"),
    "C5/off-roster": ("warning", "报送单位“{agency}”不在名录中", "核对名录，或核对该单位填写的名称和代码。"),
    "C5/roster-name": ("warning", "名称“{name}”与名录中的“{listed}”不一致（代码相同）", "核对单位名称，或更新名录。"),
    "C5/file-name": ("warning", "文件名含有名录中另一单位“{other}”的名称，但表内单位名称为“{name}”",
                     "核对是否用其他单位的文件填报（单位名称、代码未改），或文件名写错。"),
}
_CROSSYEAR: dict[str, tuple[str, str, str]] = {
    "C4/added": ("warning", "单位“{agency}”不在上年汇总中（新增单位），汇总“上年结转”会因此与上年汇总不同", "在汇总说明中列明新增单位。"),
    "C4/gone": ("warning", "上年汇总中的单位“{agency}”本年未纳入汇总（撤并、未报送或被退回）", "在汇总说明中列明撤并的单位，或催报。"),
    "C4/total": ("warning", "汇总“上年结转”（{column}）为 {actual}，上年汇总“结转下年度继续办理”为 {expected}", "单位增减会造成差异；请在汇总说明中解释。"),
    "X1/column": ("warning", "“上年结转”（{column}）为 {actual}，上年报告“结转下年度继续办理”为 {expected}", "核对上年度报告表三第四项；确有差异的在第六部分说明原因。"),
    "X1/total": ("error", "“上年结转”总计为 {actual}，上年报告“结转下年度继续办理”总计为 {expected}，且正文未说明原因", "核对上年度报告表三第四项；确有差异的在第六部分说明原因后重新报送。"),
    "X2": ("warning", "“{row}”现行有效 {actual} 件，按上年 {before} 件 + 本年制发 {issued} 件 − 本年废止 {repealed} 件，应为 {expected} 件", "如有清理、失效或修改，请在正文说明。"),
}

_COMPARE: dict[str, tuple[str, str, str]] = {
    "Y1/surge": ("warning", "“{label}”上年 {last}，本年 {now}，变化超过 {factor} 倍（同比突变）",
           "核对数字是否填错（如单位、重复统计）；确实如此的，在正文说明原因。"),
    "Y2/zero": ("warning", "“{label}”上年 {last}，本年为 0（同比归零）", "核对是否漏填；确实为 0 的，在正文说明原因。"),
    "Y3/reuse": ("warning", "“{section}”有 {share:.0%} 的文字与上年相同或几乎相同（{count} 句）",
           "结合本年工作重写该部分，避免照抄上年年报。"),
}

_REGISTER: dict[str, tuple[str, str, str]] = {
    "REG-NOT-REGISTER": ("error", "没有“{sheet}”表，不是依申请公开台账", "请使用 nianbao register 生成的台账。"),
    "REG-NO-HEADER": ("error", "“{sheet}”表中找不到以“{label}”开头的表头行", "不要删除或改动台账的表头行。"),
    "REG-NO-COLUMN": ("error", "“{sheet}”表缺少“{label}”列", "按 nianbao register 生成的台账补回这一列。"),
    "REG-EMPTY": ("error", "“{label}”未填写", "每一行都须填写这一项。"),
    "REG-DATE": ("error", "“{label}”不是日期：“{raw}”", "按日期格式填写，例如 2025-03-18。"),
    "REG-LABEL": ("error", "“{label}”填写的“{raw}”不是规定的选项", "请从下拉列表中选择；最接近的是“{suggestion}”。"),
    "REG-COUNT": ("error", "“{label}”应为不小于 0 的整数，填写的是“{raw}”", "填写天数，例如 5。"),
    "REG-DUPLICATE-ID": ("error", "编号“{id}”重复（第 {first} 行已使用）", "每件申请（案件）一个编号；重复登记的删除一行。"),
    "REG-ORDER": ("error", "“{later}”{replied} 早于“{earlier}”{received}", "核对两个日期。"),
    "REG-NO-REPLY": ("error", "已填写“{choice}”，但没有“{date}”", "填写“{date}”；尚未答复的，先不要填写“{choice}”。"),
    "REG-NO-RESULT": ("error", "已填写“{date}”，但没有“{choice}”", "从下拉列表中选择“{choice}”。"),
    "REG-FUTURE": ("error", "“{label}”{date} 晚于今天（{today}）", "核对日期：登记的只能是已经发生的事。"),
    "REG-LATE": ("warning", "{id}：{start} 起 {days} 个工作日内应答复（截至 {limit}），实际 {replied} 答复，超过法定期限",
                 "核对补正、延期和征求意见的登记；确已超期的，在年报中如实说明。"),
    "REG-CALENDAR": ("info", "{years} 年的法定节假日安排尚未收录，这些年度的答复期限未核对",
                     "升级 chinese-calendar（pip install -U chinese-calendar）后重新核对。"),
}

_COLLECT: dict[str, tuple[str, str, str]] = {
    "COL-OTHER-AGENCY": ("error", "上传的是“{found}”的报表，不是本单位（{office}）的",
                         "请上传本单位填写的工作簿（从本页下载的模板已预填本单位名称和代码）。"),
}

_IMPORT: dict[str, tuple[str, str, str]] = {
    "IMP-UNREADABLE": ("error", "无法导入：{detail}",
                       "请提供年报的文本（.txt）、Word 文档（.docx）、网页（.html）或带文字层的 PDF。"),
    "IMP-SCANNED": ("error", "无法导入：{detail}",
                    "请向发布单位索取原始文档（Word 文档或网页），或带文字层的 PDF；不会按图像猜测数字。"),
    "IMP-CRASH": ("error", "导入此文件时程序出错（{detail}），其他文件不受影响", "请将此文件和本提示发给技术支持。"),
    "IMP-TIMEOUT": ("error", "导入此文件超过 {seconds:g} 秒仍未完成，已停止（其他文件不受影响）",
                    "文件可能过大或结构异常；可用 --timeout 放宽时限，或向发布单位索取 Word 文档或网页版本。"),
    "IMP-WRITE": ("error", "未能写出 {target}：{detail}", "关闭正在打开该文件的 Excel/WPS，或换一个输出文件夹后重试。"),
    "IMP-NO-TABLES": ("error", "原文中没有找到表二、表三、表四的任何一行，未生成工作簿",
                      "确认文件是政府信息公开工作年度报告；表格若是图片，须先转为文字。"),
    "S5/import": ("error", "{where}：这是 2019 年旧格式的年报（发现“{label}”），未导入",
                  "2019、2020 年度的年报使用旧格式（国办公开办函〔2019〕60号），本工具只导入 2021 年格式；2021 年及以后的年报用了旧格式，须改用新格式重新编制。"),
    "IMP-OLD-ROW": ("error", "{where}：“{label}”是 2019 年旧格式的写法，报告其余部分是 2021 年格式；这一行的数字无法对应到 2021 年格式的行，未导入",
                     "核对原文：2021 年格式中这一项分为 3 行；在导入的工作簿中按原文分别填写。"),
    "IMP-LATE": ("error", "{where}：发布日期 {date}（{source}）晚于 {deadline}，未按时公布",
                 "年度报告须在 {deadline} 前公布；核对原文的发布日期。"),
    "IMP-LATE/file": ("warning", "原文没有注明发布日期；{source}为 {date}，晚于 {deadline}，可能未按时公布",
                      "文件属性不一定是发布日期：到发布网页核对实际发布日期。"),
    "S1/heading": ("warning", "{where}：标题“{found}”与格式不一致，按“{title}”导入", "将标题改为格式规定的写法。"),
    "S1/import-missing": ("error", "原文中没有“{title}”部分", "年报须有六个部分；核对原文是否完整。"),
    "IMP-TITLE": ("warning", "没有找到标题（“××单位××××年政府信息公开工作年度报告”），单位名称和报告年度未填写",
                  "在导入的工作簿“基本信息”表中填写单位名称和报告年度。"),
    "IMP-KIND": ("info", "单位类型按单位名称推断为“{kind}”", "如有误，请在“基本信息”表改正，或用 --roster 提供名录。"),
    "IMP-ROSTER": ("warning", "名录 {roster} 中没有“{name}”，基本信息中名录提供的各项未填写", "核对名录中的单位名称（须与年报标题中的一致）。"),
    "IMP-OUTSIDE": ("info", "标题前有 {count} 行不属于任何部分，未导入（{first}–{last}，如“{text}”）", "无需处理（发布日期、索引号等）。"),
    "IMP-INTRO": ("info", "{where}：第一部分“（一）”之前的综述放在“{part}”中", "无需处理。"),
    "IMP-UNPLACED": ("error", "{where}：“{text}”含有数值，但对应不到表格的任何一行，未导入",
                     "对照原文核对该行的标签，在导入的工作簿中手工填写。"),
    "IMP-GLUED": ("error", "{where}：“{text}”的标签和数字连在一起（单元格分隔已丢失），无法拆分，未导入",
                  "对照原文在导入的工作簿中填写该行的数字。"),
    "IMP-UNKNOWN-LINE": ("warning", "{where}：“{text}”未能识别，未导入", "如是表格的一部分，请对照原文核对导入结果。"),
    "IMP-NEAR-LABEL": ("warning", "{where}：标签“{found}”与表格行“{row}”相近（相似度 {score:.0f}%），按该行导入",
                       "对照原文核对；若对应有误，请在导入的工作簿中改正该行。"),
    "IMP-MERGED-CELL": ("warning", "{where}：“{row}”的{columns}与上一行（或左边一格）合并为一个单元格，"
                        "数值只写在合并格的第一格，这一格按空白导入",
                        "对照原文核对合并格中的数值属于哪一行（或哪几行之和），在导入的工作簿中填写。"),
    "IMP-PARTIAL-LABEL": ("info", "{where}：标签“{found}”不完整（换行截断），按“{row}”导入", "无需处理；可对照原文核对。"),
    "IMP-SHORT-ROW": ("warning", "{where}：“{row}”只有 {found} 个数值，应有 {expected} 个：{missing}",
                      "对照原文核对该行；原文确实缺少的数值，请向报告单位核实后填写。"),
    "IMP-CELL-PER-LINE": ("error", "{where}：{count} 个数字各占一行，看不出各属于表格的哪一行哪一列"
                          "（复制时表格的行列结构已丢失），未导入",
                          "请导入原 PDF、Word 或网页文件；或用 pdftotext -layout 取出保留版面的文字后再导入。"),
    "IMP-UNALIGNED": ("error", "{where}：“{row}”有 {found} 个数值，少于应有的 {expected} 个，从版面无法确定空白的是哪几列，未导入",
                      "对照原文在导入的工作簿中填写该行（或导入原 PDF、Word 文件，而不是从中复制的文字）。"),
    "IMP-LONG-ROW": ("error", "{where}：“{row}”有 {found} 个数值，多于应有的 {expected} 个，无法确定对应关系，未导入",
                     "对照原文在导入的工作簿中填写该行。"),
    "IMP-DUPLICATE": ("info", "{where}：“{row}”再次出现，数值与{first}相同（可能是分页重复），已忽略", "无需处理。"),
    "IMP-CONFLICT": ("error", "{where}：“{row}”再次出现，数值与{first}不同；按{first}导入", "对照原文确认哪一行正确。"),
    "IMP-TABLE-UNREAD": ("error", "原文的{table}一个数值也没有读到（表格可能是图片，或排版无法识别），导入后为空白；正文与{table}的核对暂不进行",
                         "对照原文在导入的工作簿中填写{table}；表格是图片的，装上文字识别组件（pip install \"nianbao[ocr]\"）后重新导入，网页须用浏览器“另存为（网页，全部）”连同图片保存后导入。"),
    "IMP-MISSING-ROW": ("warning", "原文中没有找到{table}“{row}”这一行，导入后为空白", "对照原文核对；原文确实缺少的，说明该年报表格不完整。"),
    "IMP-TOTAL-COMPUTED": ("warning", "原文{table}没有“{column}”列，导入时由模板公式按各列之和计算",
                           "法定表格须有“{column}”列；如需核实，请对照原文。"),
    "IMP-OCR-DIGIT": ("warning", "{where}：{label}，识别为“{read}”（置信度 {confidence}）；按勾稽关系（{rules}）应为 {value}，未自动更正",
                      "对照原件核对 {sheet}!{cell}：原件是 {value} 的，在导入的工作簿中改正；原件就是“{read}”的，说明原表本身不符合勾稽关系。"),
    "IMP-OCR-DIGIT/empty": ("warning", "{where}：{label}，没有识别出数字；按勾稽关系（{rules}）应为 {value}，未自动填写",
                            "对照原件在导入的工作簿 {sheet}!{cell} 填写。"),
    "IMP-TEXT-LONG": ("warning", "{where}：“{label}”的文字超过单元格上限 {limit} 字，超出部分未导入", "把该部分文字精简后填写。"),
}

_ROSTER: dict[str, tuple[str, str, str]] = {
    "F-ROSTER-HEADER": ("error", "名录中找不到表头“{missing}”（已查找前 {rows} 行）", "名录第一个工作表须有一行表头，包含：{columns}。"),
    "F-ROSTER-EMPTY": ("error", "名录中没有任何单位", "在表头下方逐行填写单位信息。"),
    "F-ROSTER-DUPLICATE": ("warning", "名录第 {row} 行的“{value}”与第 {other} 行重复，只按第 {other} 行计为一个单位", "删除重复的行；确是两个单位的，核对单位全称和代码。"),
    "F-ROSTER-DUPLICATE/name": ("warning", "名录第 {row} 行与第 {other} 行的{label}都是“{value}”（代码不同，按两个单位处理）", "核对是否为同一单位；不同单位请用能区分的全称。"),
    "F-TEXT-INVALID": ("error", "“{label}”含有不能写入 Excel 的控制字符", "删除其中的不可见字符后重试。"),
}

#: the registered keys whose code their caller names (a structure finding is S1, S2, S3 or S4 by
#: the sheet it is on): ``STRUCT/…``
STRUCTURE_KEY = "STRUCT"

#: each group of registered codes with where its findings arise (the rules reference shows it)
GROUPS: tuple[tuple[str, dict[str, tuple[str, str, str]]], ...] = (
    ("读取工作簿时（validate、merge、archive add、report、compare、tally 和收集页面的上传）", _FILE),
    ("读取工作簿时，对照模板核对表格结构（validate 及所有读取工作簿的命令）", _STRUCTURE),
    ("读取工作簿时，逐个单元格（validate 及所有读取工作簿的命令；模板“校验”表也标出）", _CELLS),
    ("汇总时（merge，收集页面的“下载汇总表”）", _MERGE),
    ("汇总时与上年的报告或汇总表比较（merge --previous 或 --archive）", _CROSSYEAR),
    ("同比分析（compare）", _COMPARE),
    ("依申请公开台账（tally，validate 校验台账时）", _REGISTER),
    ("收集页面上传时（serve）", _COLLECT),
    ("导入已发布的年报（import）", _IMPORT),
    ("读取单位名录和预填信息时（template --roster、template --agency 等、merge/import/serve --roster）", _ROSTER),
)

#: every registered key, whatever its group
REGISTRY: dict[str, tuple[str, str, str]] = {k: v for _, group in GROUPS for k, v in group.items()}


@dataclass(frozen=True)
class Finding:
    """One located finding. ``cell`` is an A1 reference on ``sheet`` of ``file``."""

    code: str
    severity: str
    message: str
    hint: str = ""
    file: str = ""
    sheet: str = ""
    cell: str = ""
    labels: tuple[str, ...] = ()
    actual: Any = None
    expected: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["labels"] = list(self.labels)
        return d

    @property
    def where(self) -> str:
        place = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.sheet
        return " ".join(p for p in (self.file, place) if p)

    def render(self, fmt: Format | None = None) -> str:
        """One line for a person: ``[I2] 错误 名录.xlsx 名录!B5 …（提示：…）``."""
        fmt = fmt or load()
        label = fmt.severities.get(self.severity, self.severity)
        head = f"[{self.code}] {label}"
        if self.where:
            head += f" {self.where}"
        text = f"{head} {self.message}"
        return f"{text}（{self.hint}）" if self.hint else text


_PLACE = ("file", "sheet", "cell", "labels", "actual", "expected")


def registered(key: str, /, code: str | None = None, **context: Any) -> Finding:
    """A finding from the registry, its texts filled from ``context`` (place keys set the location).

    ``code`` overrides the key's own code, for situations shared by several rules (a label
    mismatch is S2, S3 or S4 depending on the table).
    """
    severity, message, hint = REGISTRY[key]
    place = {k: context.pop(k) for k in _PLACE if k in context}
    if "labels" in place:
        place["labels"] = tuple(place["labels"])
    extra = {}
    if "detail" in context:  # a system's own text stays for the JSON output; the message gets Chinese
        extra["detail"] = str(context["detail"])
        context["detail"] = plain_detail(extra["detail"])
    facts = {**place, **context}  # messages may name the place too ("{sheet} 使用了…")
    return Finding(code or key.split("/")[0], severity, message.format(**facts), hint.format(**facts), **place,
                   extra=extra)


_CJK = re.compile(r"[\u4e00-\u9fff]")
#: what libraries and the system say when a file is broken (in English), as a user reads it
_DETAILS = (
    (re.compile(r"not a zip file|BadZipFile|bad magic number|zip|central directory|EOCD", re.I), "不是完整的压缩包"),
    (re.compile(r"Error -?\d+ while decompressing|invalid (stored|distance|code|block)|CRC|zlib", re.I),
     "压缩数据已损坏"),
    (re.compile(r"There is no item named|KeyError|missing", re.I), "缺少必要的组成部分"),
    (re.compile(r"DTD|entity|entities", re.I), "含有外部实体或文档类型定义"),
    (re.compile(r"XML|syntax error|not well-formed|mismatched tag|unclosed token|ParseError", re.I),
     "XML 内容格式错误"),
    (re.compile(r"encrypt|password", re.I), "文件已加密"),
    (re.compile(r"MemoryError|memory", re.I), "内存不足"),
    (re.compile(r"Timeout|timed out", re.I), "处理超时"),
    (re.compile(r"Invalid|unsupported|format|not recogni[sz]ed", re.I), "格式无法识别"),
)


def plain_detail(text: str) -> str:
    """A detail for the message: kept when it is Chinese already (``缺少部件 xl/workbook.xml``), else
    what the English says, in Chinese (the original stays in the finding's ``extra``)."""
    if _CJK.search(text):
        return text
    for pattern, chinese in _DETAILS:
        if pattern.search(text):
            return chinese
    return "内部错误"


def rule_message(rule: Rule, title: str, value: Any = None) -> str:
    """What a finding of ``rule`` says, worded as the problem where the declaration gives one;
    ``value`` is what the cell held ("" when blank, None when it is not to be shown)."""
    if value == "" and rule.blank:
        return rule.blank
    message = rule.problem or f"未通过：{title}"
    if value in (None, "") or len(str(value)) > 40:
        return message
    return f"{message}（实际为“{value}”）"


def rule_finding(code: str, severity: str, /, fmt: Format | None = None, value: Any = None,
                 **place: Any) -> Finding:
    """A finding of a statutory rule, worded by the declaration's title and hint for that code."""
    fmt = fmt or load()
    for rule in fmt.rules:
        if rule.code == code and rule.severity == severity:
            return Finding(code, severity, rule_message(rule, rule.title, value), rule.hint, actual=value, **place)
    raise KeyError(f"no {severity} rule {code} in the declaration")


def worst(findings: list[Finding]) -> str | None:
    """The highest severity present, or None."""
    for severity in ("error", "warning", "info"):
        if any(f.severity == severity for f in findings):
            return severity
    return None
