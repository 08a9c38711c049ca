// Package config is the node's configuration: a documented struct with
// DefaultConfig and Validate, loaded from a TOML file, then the
// environment (the seed's variables: DATABASE_URL, RPC_HOST, RPC_PORT, …),
// then command-line flags, each layer overriding the one before.
// Validate names the offending key in its error.
package config
