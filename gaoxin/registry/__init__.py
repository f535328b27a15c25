"""Registries the seeds call for (pure core: no database, no files, no web).

- `kinds`: what each registry holds (fields, Chinese headers, choices) — shared by the import
  template, the pages, the API and the CLI;
- `platforms`: 高水平创新平台数据库 counts for targets and zone indicators, new-platform rewards;
- `listing`: 上市后备企业资源库 pipeline, the listing targets monitored from it, the 上市领军 input.
"""
