"""The rules documentation page, generated from the catalogue (docs/rules.md is this output)."""
from __future__ import annotations

from xltools.findings import SEVERITY_ZH
from xltools.rules import FAMILIES, catalogue


def markdown() -> str:
    out = ["# 校验规则一览", "", "由 `xltools rules --markdown` 从 xltools/rules/catalogue.toml 生成，请勿手改。", "",
           "| 代码 | 级别 | 规则 |", "|---|---|---|"]
    rules = catalogue()
    for r in rules.values():
        out.append(f"| {r.code} | {SEVERITY_ZH[r.severity]} | {r.title} |")
    for fam, title in FAMILIES.items():
        group = [r for r in rules.values() if r.code.startswith(fam)]
        if not group:
            continue
        out += ["", f"## {fam} — {title}"]
        for r in group:
            out += ["", f"### {r.code} {r.title}（{SEVERITY_ZH[r.severity]}）", "", f"- **做什么**：{r.what}",
                    f"- **为什么**：{r.why}", f"- **示例**：{r.example}"]
            if not r.consolidated:
                out.append("- **汇总工作簿**：不检查（本规则针对单位自己填报的内容，`batch consolidate` 生成的汇总工作簿没有这些内容）。")
    return "\n".join(out) + "\n"
