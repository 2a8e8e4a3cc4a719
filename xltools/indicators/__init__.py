"""Performance-indicator tables (项目支出绩效目标表 / 部门整体绩效目标表): parsing of 指标性质 and 指标值."""
