package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"aitbc/engine/types"
	"aitbc/engine/validators"
)

// authorityFile is what `aitbcd init` writes beside the keys: the public
// half of a validator, to hand to whoever assembles a network's genesis.
const authorityFile = "authority.json"

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// runGenesis is `aitbcd genesis`: a genesis for a network of several
// validators, from the authority.json each validator's `aitbcd init`
// wrote. Only public keys and proofs of possession travel; every secret
// stays on its node.
func runGenesis(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("genesis", stderr)
	chainID := fs.String("chain-id", "", "chain id of the new network (required; every node's chain_id must match)")
	out := fs.String("out", "genesis.json", "file to write (refuses to overwrite)")
	var auths repeated
	fs.Var(&auths, "authority", "a validator's authority.json (written by aitbcd init); repeat once per validator")
	faucet := fs.String("faucet", "", "address (ait1… or 0x…) funded with the initial supply (default: the first authority's account)")
	blockTime := fs.Duration("block-time", time.Second, "target interval between blocks")
	mode := fs.String("consensus-mode", "poa", "poa | pos | hybrid (docs/spec.md §13.6, §17)")
	epoch := fs.Uint64("epoch-length", 0, "blocks per validator-set epoch (0: the default, 1000)")
	var coords repeated
	fs.Var(&coords, "coordinator", "hex Ed25519 public key allowed to attest AI compute receipts; repeatable")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *chainID == "":
		return usagef("--chain-id is required")
	case len(auths) == 0:
		return usagef("at least one --authority is required")
	case *blockTime < 50*time.Millisecond || *blockTime > time.Minute:
		return usagef("--block-time %v: want 50ms..1m", *blockTime)
	}
	list := make([]types.Authority, 0, len(auths))
	seen := map[types.Address]string{}
	for _, path := range auths {
		var a types.Authority
		if err := readJSONFile(path, &a); err != nil {
			return fmt.Errorf("--authority: %w", err)
		}
		if first, dup := seen[a.Address]; dup {
			return fmt.Errorf("--authority %s: validator %s is already in %s", path, a.Address, first)
		}
		seen[a.Address] = path
		list = append(list, a)
	}
	fund := list[0].Address
	if *faucet != "" {
		var err error
		if fund, err = types.ParseAddress(*faucet); err != nil {
			return usagef("--faucet: %v", err)
		}
	}
	g := makeGenesis(*chainID, list, fund, *blockTime)
	if err := setMode(g, *mode, *epoch, false); err != nil {
		return err
	}
	for _, c := range coords {
		var pk types.HexBytes
		if err := pk.UnmarshalText([]byte(c)); err != nil {
			return usagef("--coordinator %q: %v", c, err)
		}
		g.Params.Coordinators = append(g.Params.Coordinators, pk)
	}
	if err := g.Validate(); err != nil {
		return err
	}
	if _, err := validators.FromGenesis(g); err != nil { // proofs of possession
		return err
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists; refusing to overwrite a genesis", *out)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := writeGenesis(*out, g); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: chain %s, %d validator(s), faucet %s, genesis hash %s\n"+
		"copy it over each node's genesis.json, set chain_id = %q and peers in each config.toml, then start every node\n",
		*out, *chainID, len(list), fund, g.Hash(), *chainID)
	return nil
}
