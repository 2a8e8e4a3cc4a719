"""The finance bureau's side: distribute pre-filled workbooks, check a folder of returns, consolidate them.

- `distribute` (xltools.batch.distribute): one workbook per department of a roster, pre-filled with its name,
  code, contact and — from last year's returned workbooks — its 上年数.
- `batch_check` (xltools.batch.check): every workbook of a folder checked, REPORT.xlsx with one row each.
- `consolidate` (xltools.batch.consolidate): the 汇总 of all units' tables, itself a workbook of the family.

Workbooks from outside are read with python-calamine in isolated worker processes (xltools.batch.pool): a
memory limit and a per-file timeout per worker, a crashed worker replaced, so that one hostile file costs one
row 无法读取 and never the batch. Importing this package imports nothing heavy.
"""
