"""Excel integration: the 预算工具 buttons, run through xlwings.

- `xltools.excel.buttons`: one function per button (`fill_codes(book)`, `check(book)` …) taking an `xw.Book`;
  `BUTTONS` lists them with their Chinese labels, ribbon groups and icons.
- `xltools.excel.desktop.run(id)`: what the add-in's VBA calls (RunPython) for the pressed button.
- `xltools.excel.scripts`: the same functions as xlwings Lite / Server `@script`s.
- `xltools.excel.bookio`: grids from a Book, edits onto it, message boxes.
- `xltools.excel.addin` / `vba`: build xltools.xlam (ribbon + VBA project) without Excel;
  `xltools.excel.sheet_buttons.add_sheet_buttons(path)`: Form Control buttons on a saved template.

xlwings is imported only by `desktop.run` and `scripts` (importing this package and the buttons does not pay
for it), and by nothing else in xltools.
"""
from __future__ import annotations

__all__ = ["BUTTONS", "button_ids"]


def __getattr__(name: str):
    if name == "BUTTONS":
        from xltools.excel.buttons import BUTTONS

        return BUTTONS
    raise AttributeError(name)


def button_ids() -> list[str]:
    from xltools.excel.buttons import BUTTONS

    return list(BUTTONS)
