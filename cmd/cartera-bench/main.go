// Command cartera-bench measures a running Cartera from a second process: the exposure
// API under concurrent load against the bare SQL in psql, and every page of the web
// UI. It is kept out of the cartera binary: load generation is not something a
// production installation ships.
//
//	cartera-bench exposure --url URL   drive GET /api/v1/exposure; time the bare SQL in psql
//	cartera-bench pages --url URL      time every page of the web UI: server, client, weight
//
// It opens the same database as the server (DATABASE_URL, or the private cluster
// under --data-dir) for a token or a session, which it removes when done.
package main

import "cartera/internal/cli"

var program = cli.Program{
	Name:  "cartera-bench",
	About: "cartera-bench: load benchmarks against a running Cartera (docs/PERFORMANCE.md).",
	Commands: []cli.Command{
		{Name: "exposure", Summary: "drive a running server's exposure API with concurrent requests and time the bare SQL in psql", Run: runBenchExposure},
		{Name: "pages", Summary: "time every page of a running server's web UI: server time, client time and weight", Run: runBenchPages},
	},
	Footer: []string{"Flags can also be set with CARTERA_* environment variables; DATABASE_URL selects an existing PostgreSQL."},
}

func main() { program.Main() }
