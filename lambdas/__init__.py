"""Lambda code. The asset root is this folder, so handlers import `lifecycle`, `filter_language`
at top level; the CDK app imports `lambdas.filter_language` (stdlib only, relative imports)."""
