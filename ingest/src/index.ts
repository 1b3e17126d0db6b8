// Public surface of @mingfang/ingest. Shared file: add lines, do not rewrite.
