package blockstore

import (
	"encoding/binary"
	"fmt"

	"aitbc/engine/state"
	"aitbc/engine/types"
)

// Record layouts; each starts with a version byte so a later format can be
// told apart from garbage.
const (
	recordVersion = 1
	accountLen    = 1 + 8 + 8
	locationLen   = 1 + 8 + 4
	headLen       = 1 + 8 + types.HashLen + 8 + types.HashLen + 4
	heightLen     = 8
	formatLen     = 4
	// formatVersion is the store layout this binary writes and understands.
	// 2: claimed receipt job hashes ('r' keys), and a state root that
	// commits to them; a format-1 directory's state roots no longer verify.
	// 3: block headers carry next_validators_hash (header version 2); a
	// format-2 directory's blocks no longer decode.
	// 4: blocks carry double-sign evidence (header version 3 with
	// evidence_hash, an evidence section after the commit); a format-3
	// directory's blocks no longer decode.
	formatVersion = 4
	// minFormatVersion is the oldest layout this binary opens.
	minFormatVersion = 4
)

// headRecord is the last committed block, cached in memory.
type headRecord struct {
	Height    uint64
	Hash      types.Hash
	Time      uint64
	StateRoot types.Hash
	TxCount   uint32
}

// chainRecord is the chain a data directory belongs to.
type chainRecord struct {
	ChainID string
	Genesis types.Hash
}

func checkRecord(record string, b []byte, want int) error {
	if len(b) != want {
		return corrupt(record, fmt.Sprintf("%d bytes, want %d", len(b), want), nil)
	}
	if b[0] != recordVersion {
		return corrupt(record, fmt.Sprintf("unknown version %d", b[0]), nil)
	}
	return nil
}

func encodeAccount(a state.Account) []byte {
	b := make([]byte, 1, accountLen)
	b[0] = recordVersion
	b = binary.BigEndian.AppendUint64(b, a.Balance)
	return binary.BigEndian.AppendUint64(b, a.Nonce)
}

func decodeAccount(b []byte) (state.Account, error) {
	if err := checkRecord("account", b, accountLen); err != nil {
		return state.Account{}, err
	}
	return state.Account{Balance: binary.BigEndian.Uint64(b[1:9]), Nonce: binary.BigEndian.Uint64(b[9:17])}, nil
}

func encodeLocation(height uint64, index uint32) []byte {
	b := make([]byte, 1, locationLen)
	b[0] = recordVersion
	b = binary.BigEndian.AppendUint64(b, height)
	return binary.BigEndian.AppendUint32(b, index)
}

func decodeLocation(b []byte) (uint64, uint32, error) {
	if err := checkRecord("location", b, locationLen); err != nil {
		return 0, 0, err
	}
	h := binary.BigEndian.Uint64(b[1:9])
	if h == 0 {
		return 0, 0, corrupt("location", "height 0", nil)
	}
	return h, binary.BigEndian.Uint32(b[9:13]), nil
}

func encodeHead(h headRecord) []byte {
	b := make([]byte, 1, headLen)
	b[0] = recordVersion
	b = binary.BigEndian.AppendUint64(b, h.Height)
	b = append(b, h.Hash[:]...)
	b = binary.BigEndian.AppendUint64(b, h.Time)
	b = append(b, h.StateRoot[:]...)
	return binary.BigEndian.AppendUint32(b, h.TxCount)
}

func decodeHead(b []byte) (headRecord, error) {
	var h headRecord
	if err := checkRecord("head", b, headLen); err != nil {
		return h, err
	}
	h.Height = binary.BigEndian.Uint64(b[1:9])
	copy(h.Hash[:], b[9:41])
	h.Time = binary.BigEndian.Uint64(b[41:49])
	copy(h.StateRoot[:], b[49:81])
	h.TxCount = binary.BigEndian.Uint32(b[81:85])
	if h.Height == 0 {
		// An empty store has no head record; a stored one names a block.
		return headRecord{}, corrupt("head", "height 0", nil)
	}
	return h, nil
}

func encodeChain(c chainRecord) []byte {
	b := make([]byte, 1, 1+4+len(c.ChainID)+types.HashLen)
	b[0] = recordVersion
	b = binary.BigEndian.AppendUint32(b, uint32(len(c.ChainID)))
	b = append(b, c.ChainID...)
	return append(b, c.Genesis[:]...)
}

func decodeChain(b []byte) (chainRecord, error) {
	var c chainRecord
	if len(b) < 1+4+types.HashLen || len(b) > 1+4+types.MaxChainIDLen+types.HashLen {
		return c, corrupt("chain", fmt.Sprintf("%d bytes", len(b)), nil)
	}
	if b[0] != recordVersion {
		return c, corrupt("chain", fmt.Sprintf("unknown version %d", b[0]), nil)
	}
	n := binary.BigEndian.Uint32(b[1:5])
	if uint64(n) != uint64(len(b)-1-4-types.HashLen) {
		return c, corrupt("chain", fmt.Sprintf("chain id length %d does not match record size %d", n, len(b)), nil)
	}
	c.ChainID = string(b[5 : 5+n])
	if err := types.ValidateChainID(c.ChainID); err != nil {
		return chainRecord{}, corrupt("chain", "", err)
	}
	copy(c.Genesis[:], b[5+n:])
	return c, nil
}

func encodeHeight(h uint64) []byte { return binary.BigEndian.AppendUint64(nil, h) }

func decodeHeight(b []byte) (uint64, error) {
	if len(b) != heightLen {
		return 0, corrupt("height", fmt.Sprintf("%d bytes, want %d", len(b), heightLen), nil)
	}
	h := binary.BigEndian.Uint64(b)
	if h == 0 {
		return 0, corrupt("height", "height 0", nil)
	}
	return h, nil
}

func encodeFormat(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func decodeFormat(b []byte) (uint32, error) {
	if len(b) != formatLen {
		return 0, corrupt("format", fmt.Sprintf("%d bytes, want %d", len(b), formatLen), nil)
	}
	v := binary.BigEndian.Uint32(b)
	if v == 0 {
		return 0, corrupt("format", "version 0", nil)
	}
	return v, nil
}
