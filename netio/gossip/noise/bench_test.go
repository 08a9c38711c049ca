package noise

import (
	"fmt"
	"testing"
)

// BenchmarkSealOpen is the session cipher alone, both ends, for a vote
// frame and a 100-tx batch frame of 200-byte txs: what encryption adds
// per frame. It must not allocate.
func BenchmarkSealOpen(b *testing.B) {
	for _, size := range []int{lenPrefix + 1 + 146, lenPrefix + 1 + 100*200} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			f := frame(0x13, make([]byte, size-lenPrefix-1))
			s, _ := newFrameCipher([32]byte{1})
			o, _ := newFrameCipher([32]byte{1})
			wbuf, rbuf := make([]byte, 0, size+TagLen), make([]byte, 0, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				sealed, err := s.seal(wbuf[:0], f)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := o.open(rbuf, sealed); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
