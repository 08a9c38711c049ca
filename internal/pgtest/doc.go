// Package pgtest gives tests a real PostgreSQL server.
//
// URL(t) returns a URL to a fresh, empty schema (search_path) on a shared
// server: the one AITBC_TEST_POSTGRES_URL names if it is set (any
// PostgreSQL-compatible server; the tests create and drop schemas in it),
// otherwise a throwaway cluster this package creates once per test binary
// in a temporary directory with initdb and starts on 127.0.0.1 on a free
// port. NewCluster(t) starts a private cluster a test may stop and start
// (outage tests).
//
// The PostgreSQL binaries are looked up in AITBC_PG_BIN, then PATH, then
// Debian's /usr/lib/postgresql/NN/bin (newest NN). PostgreSQL refuses to
// run as root, so as root the cluster runs as the "postgres" OS user that
// Debian's postgresql package creates, in a directory it owns.
//
// When no server can be had the test is skipped with a message saying how
// to get one, unless CI=true or AITBC_REQUIRE_POSTGRES=1: then it fails, so
// CI never passes by skipping the PostgreSQL tests.
//
// A package using the shared server calls Main from its TestMain so the
// cluster is stopped and removed when the tests end.
package pgtest
