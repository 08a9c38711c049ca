package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// MaxRecordBytes bounds one record (a proposal carries its whole block).
const MaxRecordBytes = 64 << 20

// compactBytes is how many bytes of dropped records the file may hold
// before Truncate rewrites it without them.
const compactBytes = 1 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type record struct {
	height uint64
	data   []byte
}

// Log is an open write-ahead log. It is safe for concurrent use.
type Log struct {
	mu      sync.Mutex
	path    string
	f       *os.File
	records []record // the live records, in file order
	dead    int64    // bytes of the file that hold dropped records and floor marks
	closed  bool
}

// Open opens (or creates) the log at path, dropping a torn tail.
func Open(path string) (*Log, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	all, good, err := readAll(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("wal %s: %w", path, err)
	}
	recs, dead := live(all)
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return &Log{path: path, f: f, records: recs, dead: dead}, nil
}

// live drops the records below the highest floor mark in all, and the
// marks, and returns the bytes they took in the file.
func live(all []record) ([]record, int64) {
	var floor uint64
	for _, r := range all {
		if r.height == 0 && len(r.data) == 8 {
			floor = max(floor, binary.BigEndian.Uint64(r.data))
		}
	}
	var out []record
	var dead int64
	for _, r := range all {
		if r.height == 0 || r.height < floor {
			dead += int64(16 + len(r.data))
			continue
		}
		out = append(out, r)
	}
	return out, dead
}

// readAll returns the valid records (floor marks and dropped ones too) and
// the offset where they end. A bad
// record at the end of the file is the tail of a write torn by a crash
// and is dropped; a bad record with more of the file after it is
// corruption (ErrCorrupt): dropping it would drop every later record,
// our own votes among them, and a validator that forgot its votes could
// sign twice.
func readAll(f *os.File) ([]record, int64, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	size := st.Size()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, 0, err
	}
	r := bufio.NewReader(f)
	var recs []record
	var off int64
	var hdr [8]byte
	corrupt := func(end int64, why string) ([]record, int64, error) {
		if end >= size {
			return recs, off, nil // torn tail
		}
		return nil, 0, fmt.Errorf("%w: record at offset %d %s, and %d bytes follow it: refusing to start, since replaying without it could make this validator sign twice",
			ErrCorrupt, off, why, size-end)
	}
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return recs, off, nil // clean end or torn header
		}
		n := binary.BigEndian.Uint32(hdr[:4])
		if n < 8 || n > MaxRecordBytes+8 {
			return corrupt(off+8, fmt.Sprintf("declares %d bytes", n))
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return recs, off, nil
		}
		if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(hdr[4:]) {
			return corrupt(off+8+int64(n), "fails its checksum")
		}
		recs = append(recs, record{height: binary.BigEndian.Uint64(body[:8]), data: body[8:]})
		off += int64(8 + n)
	}
}

func encode(dst []byte, height uint64, data []byte) []byte {
	var hdr [16]byte
	binary.BigEndian.PutUint32(hdr[0:], uint32(8+len(data)))
	binary.BigEndian.PutUint64(hdr[8:], height)
	crc := crc32.Update(crc32.Checksum(hdr[8:16], castagnoli), castagnoli, data)
	binary.BigEndian.PutUint32(hdr[4:], crc)
	return append(append(dst, hdr[:]...), data...)
}

// Write appends records for height (1 or more) and syncs them to disk
// before returning.
func (l *Log) Write(height uint64, data [][]byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if height == 0 {
		return ErrHeightZero
	}
	var buf []byte
	for _, d := range data {
		if len(d) > MaxRecordBytes {
			return fmt.Errorf("%w: %d bytes", ErrTooLarge, len(d))
		}
		buf = encode(buf, height, d)
	}
	if _, err := l.f.Write(buf); err != nil {
		return err
	}
	if err := l.f.Sync(); err != nil {
		return err
	}
	for _, d := range data {
		l.records = append(l.records, record{height: height, data: append([]byte(nil), d...)})
	}
	return nil
}

// Records returns the data written for height, in write order.
func (l *Log) Records(height uint64) ([][]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	var out [][]byte
	for _, r := range l.records {
		if r.height == height {
			out = append(out, append([]byte(nil), r.data...))
		}
	}
	return out, nil
}

// Truncate drops every record below height keepFrom. When none is left
// the file is emptied; otherwise a floor mark is appended (height 0, data
// keepFrom: Open drops the records below it), and the file is rewritten
// without the dropped records only once they take more than compactBytes.
// Neither is synced: a crash that loses them brings back records of
// heights below keepFrom, which the engine truncates only once those
// heights are decided and stored, so it never asks for them again.
func (l *Log) Truncate(keepFrom uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	var keep []record
	var dropped int64
	for _, r := range l.records {
		if r.height >= keepFrom {
			keep = append(keep, r)
		} else {
			dropped += int64(16 + len(r.data))
		}
	}
	if dropped == 0 {
		return nil
	}
	if len(keep) == 0 { // nothing of the next height yet
		if err := l.f.Truncate(0); err != nil {
			return err
		}
		if _, err := l.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		l.records, l.dead = nil, 0
		return nil
	}
	if l.dead+dropped <= compactBytes {
		if _, err := l.f.Write(encode(nil, 0, binary.BigEndian.AppendUint64(nil, keepFrom))); err != nil {
			return err
		}
		l.records, l.dead = keep, l.dead+dropped+24
		return nil
	}
	var buf []byte
	for _, r := range keep {
		buf = encode(buf, r.height, r.data)
	}
	tmp := l.path + ".tmp"
	if err := writeSync(tmp, buf); err != nil {
		return err
	}
	if err := os.Rename(tmp, l.path); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(l.path)); err != nil {
		return err
	}
	f, err := os.OpenFile(l.path, os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return err
	}
	l.f.Close()
	l.f, l.records, l.dead = f, keep, 0
	return nil
}

// Close closes the file; later calls return ErrClosed. Idempotent.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	return l.f.Close()
}

func writeSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	serr := f.Sync()
	cerr := f.Close()
	return errors.Join(werr, serr, cerr)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
