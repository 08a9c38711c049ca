package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"aitbc/internal/config"
)

// nodeConfigTOML is the config file init and devnet write; paths in it are
// relative to the file's directory. Without index it writes an empty
// database_url: a validator does not keep the SQL index (DESIGN §12), whose
// writes cost it more CPU per tx than anything but signatures; RPC and full
// nodes, and a devnet's node 0, do.
func nodeConfigTOML(chainID string, rpcHost string, offset int, genesisRel string, peers []string, index bool) string {
	d := config.DefaultConfig()
	q := strconv.Quote
	qpeers := make([]string, len(peers))
	for i, p := range peers {
		qpeers[i] = q(p)
	}
	return "# aitbcd node configuration. Every key can be overridden by its environment\n" +
		"# variable (upper case, e.g. RPC_PORT) or flag (--rpc-port). Paths are relative to this file.\n" +
		"chain_id = " + q(chainID) + "\n" +
		"genesis_file = " + q(genesisRel) + "\n" +
		"data_dir = \"data\"\n" +
		databaseURLTOML(index) +
		"validator_key = \"validator.key\"\n" +
		"node_key = \"node.key\"\n" +
		"rpc_host = " + q(rpcHost) + "\n" +
		"p2p_host = " + q(rpcHost) + "\n" +
		"peers = [" + strings.Join(qpeers, ", ") + "]\n" +
		fmt.Sprintf("rpc_port = %d\nws_port = %d\nmetrics_port = %d\np2p_port = %d\n",
			d.RPCPort+offset, d.WSPort+offset, d.MetricsPort+offset, d.P2PPort+offset) +
		"block_time = \"1s\"\nlog_level = \"info\"\nlog_format = \"json\"\nsigverify_backend = \"auto\"\n"
}

// databaseURLTOML is the database_url line: the SQL index next to the
// config file, or none.
func databaseURLTOML(index bool) string {
	if index {
		return "database_url = \"sqlite://index.db\"\n"
	}
	return "# No SQL index: validators do not need one. An RPC or full node serving the query routes\n" +
		"# (get_txs, get_blocks, get_receipt(s)) sets database_url = \"sqlite://index.db\".\n" +
		"database_url = \"\"\n"
}

func runInit(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("init", stderr)
	home := fs.String("home", "", "directory to create (must not exist or be empty)")
	chainID := fs.String("chain-id", "aitbc-local", "chain id of the new chain")
	index := fs.Bool("index", false, "keep the SQL index (database_url = sqlite://index.db) for the query routes; validators of a network leave it off")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *home == "" {
		return usagef("--home is required")
	}
	if ents, err := os.ReadDir(*home); err == nil && len(ents) > 0 {
		return fmt.Errorf("%s exists and is not empty; refusing to overwrite", *home)
	}
	if err := os.MkdirAll(*home, 0o700); err != nil {
		return err
	}
	acct, val, err := writeValidatorKeys(*home)
	if err != nil {
		return err
	}
	self := authority(acct, val)
	g := makeGenesis(*chainID, nil, acct.Address, time.Second)
	g.Authorities = append(g.Authorities, self)
	// The public half, for a network's genesis (aitbcd genesis --authority).
	b, err := json.MarshalIndent(self, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*home, authorityFile), append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := g.Validate(); err != nil {
		return err
	}
	if err := writeGenesis(filepath.Join(*home, "genesis.json"), g); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*home, "config.toml"), []byte(nodeConfigTOML(*chainID, "0.0.0.0", 0, "genesis.json", nil, *index)), 0o600); err != nil {
		return err
	}
	nodeID, err := nodeIDOf(filepath.Join(*home, "node.key"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "initialised %s\n  chain id:  %s\n  validator: %s\n  faucet:    %s (the validator's account key)\n  node id:   %s (peers pin it: PEERS=%s@host:%d)\nstart it with: aitbcd start --config %s\n",
		*home, *chainID, acct.Address, acct.Address, nodeID, nodeID, config.DefaultConfig().P2PPort, filepath.Join(*home, "config.toml"))
	return nil
}

func writeValidatorKeys(dir string) (accountKeyFile, validatorKeyFile, error) {
	_, acct, err := newAccountKey()
	if err != nil {
		return acct, validatorKeyFile{}, err
	}
	_, val, err := newValidatorKey()
	if err != nil {
		return acct, val, err
	}
	if err := writeKeyFile(filepath.Join(dir, "account.key"), acct); err != nil {
		return acct, val, err
	}
	if err := writeKeyFile(filepath.Join(dir, "validator.key"), val); err != nil {
		return acct, val, err
	}
	_, node, err := newAccountKey()
	if err != nil {
		return acct, val, err
	}
	return acct, val, writeKeyFile(filepath.Join(dir, "node.key"), node)
}

// nodeIDOf is the node id (hex public key) of the node key file at path.
func nodeIDOf(path string) (string, error) {
	priv, err := loadAccountKey(path)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(priv.Public().(ed25519.PublicKey)), nil
}
