"""The register's layout as declared (``[register]``), its entries taken from the tables' labels:
申请人类型 is one of 表三's columns, 办理结果 one of its 21 result rows, 案件类型 one of 表四's rows
and 结果 one of 表四's columns — so a register and the report it becomes cannot disagree on a name."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ..format.declaration import Format, load
from ..read.reader import label_key


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # text | date | applicant | result | yesno | count | case_type | case_result
    required: bool = False
    width: float = 12
    hint: str = ""


@dataclass(frozen=True)
class RegisterLayout:
    columns: tuple[Column, ...]
    case_columns: tuple[Column, ...]
    applicants: dict[str, str]  # label → 表三 column key (总计 aside)
    results: dict[str, str]  # label → 表三 row key: the result rows, in the table's order
    case_types: dict[str, str]  # label → 表四 row key
    case_results: dict[str, str]  # label → 表四 column key (总计 aside)
    pending: str  # 表四's column for cases not concluded (尚未审结)

    @functools.cached_property
    def _entries(self) -> dict[str, dict[str, str]]:
        return {"applicant": self.applicants, "result": self.results, "case_type": self.case_types,
                "case_result": self.case_results}

    @functools.cached_property
    def _keyed(self) -> dict[str, dict[str, str]]:
        return {kind: {label_key(label): key for label, key in entries.items()}
                for kind, entries in self._entries.items()}

    def entries(self, kind: str) -> dict[str, str]:
        """The declared entries of a choice column, by label."""
        return self._entries[kind]

    def keyed(self, kind: str) -> dict[str, str]:
        """The entries by their comparison key (spaces, width and quotes aside), for matching typed
        text; made once per layout (every row of a register asks)."""
        return self._keyed[kind]


@functools.cache
def register_layout(fmt: Format | None = None) -> RegisterLayout:
    fmt = fmt or load()
    spec = fmt.register
    t3 = fmt.table(spec["new"].split(".")[0])
    t4 = fmt.table(spec["cases_table"])
    totals = {spec["results_total"].split(".")[1]}
    # the result rows, and those nested one group deeper (（三）不予公开 → 1.属于国家秘密)
    groups = {r.key for r in t3.blocks[0].rows if r.group and r.parent == spec["results_group"]}
    results = {r.label: r.key for r in t3.leaf_rows
               if (r.parent == spec["results_group"] or r.parent in groups) and r.key not in totals}
    case_results = {c.label: c.key for c in t4.leaf_columns if not c.is_total}
    pending = spec["case_pending"]
    return RegisterLayout(
        columns=tuple(Column(**c) for c in spec["columns"]),
        case_columns=tuple(Column(**c) for c in spec["case_columns"]),
        applicants={c.label: c.key for c in t3.leaf_columns if not c.is_total},
        results=results,
        case_types={r.label: r.key for r in t4.blocks[0].leaf_rows},
        case_results=case_results,
        pending=pending,
    )
