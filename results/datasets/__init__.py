"""Training-set membership: which audited sites' URLs appear in an image-text dataset's URL
lists (LAION, Re-LAION, COYO, DataComp shards), matched with DuckDB (docs/datasets.md)."""
