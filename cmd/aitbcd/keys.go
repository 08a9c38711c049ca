package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"aitbc/engine/bls"
	"aitbc/engine/types"
)

// accountKeyFile is the on-disk form of an Ed25519 account key (mode 0600).
type accountKeyFile struct {
	Type       string         `json:"type"` // "ed25519"
	Address    types.Address  `json:"address"`
	PublicKey  types.HexBytes `json:"public_key"`
	PrivateKey types.HexBytes `json:"private_key"` // 32-byte seed
}

// validatorKeyFile is the on-disk form of a BLS12-381 validator key (mode 0600).
type validatorKeyFile struct {
	Type      string         `json:"type"` // "bls12-381"
	PublicKey types.HexBytes `json:"public_key"`
	PoP       types.HexBytes `json:"pop"`
	SecretKey types.HexBytes `json:"secret_key"`
}

func newAccountKey() (ed25519.PrivateKey, accountKeyFile, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, accountKeyFile{}, err
	}
	return priv, accountKeyFile{Type: "ed25519", Address: types.AddressFromPubKey(pub), PublicKey: types.HexBytes(pub), PrivateKey: types.HexBytes(priv.Seed())}, nil
}

func newValidatorKey() (*bls.SecretKey, validatorKeyFile, error) {
	sk, err := bls.GenerateKey(rand.Reader)
	if err != nil {
		return nil, validatorKeyFile{}, err
	}
	pk, pop := sk.PublicKey(), bls.ProvePossession(sk)
	return sk, validatorKeyFile{Type: "bls12-381", PublicKey: pk[:], PoP: pop[:], SecretKey: sk.Bytes()}, nil
}

// writeKeyFile writes v as JSON with mode 0600 and refuses to overwrite.
func writeKeyFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s already exists; refusing to overwrite a key", path)
		}
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(b) > 1<<20 {
		return fmt.Errorf("%s: larger than 1 MiB", path)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a typo in a genesis or key file must not pass silently
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	if dec.More() {
		return fmt.Errorf("%s: trailing data after the JSON value", path)
	}
	return nil
}

func loadAccountKey(path string) (ed25519.PrivateKey, error) {
	var f accountKeyFile
	if err := readJSONFile(path, &f); err != nil {
		return nil, err
	}
	if f.Type != "ed25519" || len(f.PrivateKey) != ed25519.SeedSize {
		return nil, fmt.Errorf("%s: not an ed25519 account key", path)
	}
	priv := ed25519.NewKeyFromSeed(f.PrivateKey)
	if types.AddressFromPubKey(priv.Public().(ed25519.PublicKey)) != f.Address {
		return nil, fmt.Errorf("%s: address does not match the key", path)
	}
	return priv, nil
}

func loadValidatorKey(path string) (*bls.SecretKey, error) {
	var f validatorKeyFile
	if err := readJSONFile(path, &f); err != nil {
		return nil, err
	}
	if f.Type != "bls12-381" {
		return nil, fmt.Errorf("%s: not a bls12-381 validator key", path)
	}
	sk, err := bls.SecretKeyFromBytes(f.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return sk, nil
}

func runKeys(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("want 'keys new' or 'keys show'")
	}
	switch args[0] {
	case "new":
		fs := newFlags("keys new", stderr)
		out := fs.String("out", "", "file to write the key to (must not exist)")
		kind := fs.String("type", "ed25519", "ed25519 (account) or bls (validator)")
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		if *out == "" {
			return usagef("--out is required")
		}
		switch *kind {
		case "ed25519":
			_, f, err := newAccountKey()
			if err != nil {
				return err
			}
			if err := writeKeyFile(*out, f); err != nil {
				return err
			}
			fmt.Fprintln(stdout, f.Address.String())
		case "bls":
			_, f, err := newValidatorKey()
			if err != nil {
				return err
			}
			if err := writeKeyFile(*out, f); err != nil {
				return err
			}
			fmt.Fprintln(stdout, types.HexBytes(f.PublicKey).String())
		default:
			return usagef("--type %q: want ed25519 or bls", *kind)
		}
		return nil
	case "show":
		fs := newFlags("keys show", stderr)
		path := fs.String("key", "", "key file")
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		if *path == "" {
			return usagef("--key is required")
		}
		var probe struct {
			Type string `json:"type"`
		}
		raw, err := os.ReadFile(*path)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return fmt.Errorf("%s: %v", *path, err)
		}
		enc := json.NewEncoder(stdout)
		switch probe.Type {
		case "ed25519":
			priv, err := loadAccountKey(*path)
			if err != nil {
				return err
			}
			pub := priv.Public().(ed25519.PublicKey)
			a := types.AddressFromPubKey(pub)
			// node_id is how PEERS (NODEID@host:port) and P2P_ALLOW name a
			// node whose node key this is.
			return enc.Encode(map[string]string{"type": "ed25519", "address": a.String(), "address_hex": a.Hex(),
				"public_key": types.HexBytes(pub).String(), "node_id": hex.EncodeToString(pub)})
		case "bls12-381":
			sk, err := loadValidatorKey(*path)
			if err != nil {
				return err
			}
			pk := sk.PublicKey()
			return enc.Encode(map[string]string{"type": "bls12-381", "public_key": types.HexBytes(pk[:]).String()})
		default:
			return fmt.Errorf("%s: unknown key type %q", *path, probe.Type)
		}
	default:
		return usagef("unknown keys subcommand %q", args[0])
	}
}

// loadOrCreateNodeKey reads the Ed25519 node key (the identity peers see in
// the gossip handshake), creating it when the file does not exist: a node
// key names a node, not funds, so a data dir made before it existed gets
// one on first start.
func loadOrCreateNodeKey(path string) (priv ed25519.PrivateKey, created bool, err error) {
	priv, err = loadAccountKey(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return priv, false, err
	}
	priv, f, err := newAccountKey()
	if err != nil {
		return nil, false, err
	}
	if err := writeKeyFile(path, f); err != nil {
		return nil, false, err
	}
	return priv, true, nil
}
