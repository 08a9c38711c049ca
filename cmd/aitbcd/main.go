package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

type command struct {
	name, args, summary string
	run                 func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"init", "--home DIR [--chain-id ID]", "write a config, keys and genesis for a new single-validator chain", runInit},
		{"genesis", "--chain-id ID --authority FILE [--authority FILE ...] [--faucet ADDR] [--out FILE]", "write the genesis of a multi-validator network from each validator's authority.json", runGenesis},
		{"start", "[--config FILE] [flags]", "run a node (every config key is also a flag and an env var)", runStart},
		{"devnet", "[--validators N] [--dir DIR]", "create DIR (keys, genesis, configs) if missing and run its N validators (default 4) until SIGINT", runDevnet},
		{"keys", "new --out FILE [--type ed25519|bls] | show --key FILE", "create or show an account (Ed25519) or validator (BLS12-381) key", runKeys},
		{"tx", "send --rpc URL --key FILE --to ADDR --amount N [--fee N] [--wait]\n           | claim-receipt --rpc URL --key FILE --coordinator-key FILE --job-id ID --units N [--wait]\n           | stake --rpc URL --key FILE [--validator-key FILE] --amount N [--fee N] [--nonce N] [--wait]\n           | unstake --rpc URL --key FILE --amount N [--fee N] [--nonce N] [--wait]\n           | unjail --rpc URL --key FILE [--fee N] [--nonce N] [--wait]", "build, sign and submit a transfer, an AI compute receipt claim, or a STAKE (--validator-key on an address's first only), UNSTAKE or UNJAIL", runTx},
		{"reindex", "[--config FILE] [--from H] [--batch N]", "rebuild the SQL index from the block store (stop the node first)", runReindex},
		{"bench", "sigverify [--backend cpu|kernel-host|cuda] [--compare BACKEND] [--batch N] [--seconds S]\n           | load --key FAUCET [--rpc URL] [--ws URL] [--tps N] [--seconds S]\n           | rpc [--rpc URL] [--concurrency N] [--seconds S] [--mix KINDS]", "measure signature verification, transaction throughput and finality, or read-path RPC", runBench},
		{"version", "", "print the version, build tags and detected GPU", runVersion},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "aitbcd — the AITBC chain node\n\nUsage: aitbcd COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n           %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'aitbcd COMMAND -h' for the flags of a command.")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(args[1:], stdout, stderr)
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			if err != nil {
				fmt.Fprintf(stderr, "aitbcd %s: %v\n", c.name, err)
				var ue usageError
				if errors.As(err, &ue) {
					return 2
				}
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "aitbcd: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// usageError marks a bad invocation (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// newFlags returns a FlagSet that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("aitbcd "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
