"""Findings: what a check found, as data (code, severity, place, message, fix hint).

Statutory rules (I*, S*, R*, X*, T*, F*, C*) take their wording from the declaration; the
file-level and tool-level codes are registered here, once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .declaration import Format, load

#: code → (severity, message template, hint) for codes that are not statutory rules
REGISTRY: dict[str, tuple[str, str, str]] = {
    "F-UNREADABLE": (
        "error", "无法读取文件：{detail}", "请确认文件是 Excel 工作簿（.xlsx），未加密、未损坏。"),
    "F-ROSTER-HEADER": (
        "error",
        "名录中找不到表头“{missing}”（已查找前 {rows} 行）",
        "名录第一个工作表须有一行表头，包含：{expected}。",
    ),
    "F-ROSTER-EMPTY": ("error", "名录中没有任何单位", "在表头下方逐行填写单位信息。"),
    "F-ROSTER-DUPLICATE": (
        "warning", "名录中“{value}”重复出现（另见第 {other} 行）", "删除重复行，或核对是否为不同单位。"),
    "F-TEXT-INVALID": ("error", "“{label}”含有不能写入 Excel 的控制字符", "删除其中的不可见字符后重试。"),
}


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


def registered(code: str, /, **context: Any) -> Finding:
    """A finding of a registered (non-statutory) code, its texts filled from ``context``."""
    severity, message, hint = REGISTRY[code]
    place = {k: context.pop(k) for k in ("file", "sheet", "cell") if k in context}
    return Finding(code, severity, message.format(**context), hint.format(**context), **place)


def rule_finding(code: str, severity: str, /, fmt: Format | None = None, value: Any = None,
                 **place: Any) -> Finding:
    """A finding of a statutory rule, worded by the declaration's title and hint for that code."""
    fmt = fmt or load()
    for rule in fmt.rules:
        if rule.code == code and rule.severity == severity:
            message = f"未通过：{rule.title}" + ("" if value is None else f"（实际为“{value}”）")
            return Finding(code, severity, message, rule.hint, actual=value, **place)
    raise KeyError(f"no {severity} rule {code} in the declaration")


def worst(findings: list[Finding]) -> str | None:
    """The highest severity present, or None."""
    for severity in ("error", "warning", "info"):
        if any(f.severity == severity for f in findings):
            return severity
    return None
