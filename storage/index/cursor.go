package index

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
)

// A cursor is the (height, idx) of the last row of a page, opaque to
// clients: base64url(version || height || idx). The next page holds the
// rows strictly after it in newest-first order.
type cursor struct {
	height uint64
	idx    uint32
}

const (
	cursorVersion = 1
	cursorBytes   = 1 + 8 + 4
	// maxCursorLen bounds the text before decoding it.
	maxCursorLen = 64
)

var cursorEncoding = base64.RawURLEncoding.Strict()

func encodeCursor(c cursor) string {
	b := make([]byte, 1, cursorBytes)
	b[0] = cursorVersion
	b = binary.BigEndian.AppendUint64(b, c.height)
	b = binary.BigEndian.AppendUint32(b, c.idx)
	return cursorEncoding.EncodeToString(b)
}

// decodeCursor accepts exactly what encodeCursor produces for a real row.
func decodeCursor(s string) (cursor, error) {
	bad := func(format string, a ...any) (cursor, error) {
		return cursor{}, &CursorError{Problem: fmt.Sprintf(format, a...)}
	}
	if len(s) > maxCursorLen {
		return bad("%d characters, more than %d", len(s), maxCursorLen)
	}
	b, err := cursorEncoding.DecodeString(s)
	if err != nil {
		return bad("not base64url")
	}
	if len(b) != cursorBytes {
		return bad("%d bytes, want %d", len(b), cursorBytes)
	}
	if b[0] != cursorVersion {
		return bad("unknown version %d", b[0])
	}
	c := cursor{height: binary.BigEndian.Uint64(b[1:9]), idx: binary.BigEndian.Uint32(b[9:13])}
	if c.height == 0 || c.height > math.MaxInt64 {
		return bad("height %d out of range", c.height)
	}
	return c, nil
}
