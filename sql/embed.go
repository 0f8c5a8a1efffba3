// Package sqlfs embeds the SQL the service runs: migrations/ (applied by goose at
// start-up) and queries/ (one file per domain, named queries prepared at start-up).
package sqlfs

import "embed"

// Migrations holds migrations/NNNNN_name.sql.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// Queries holds queries/<domain>.sql.
//
//go:embed queries/*.sql
var Queries embed.FS
