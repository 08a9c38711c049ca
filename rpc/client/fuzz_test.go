package client

import (
	"errors"
	"strings"
	"testing"

	"aitbc/rpc/api"
)

// FuzzDecodeResponse: the client never panics on what a server sends, and
// every non-2xx answer is an *api.Error carrying the status.
func FuzzDecodeResponse(f *testing.F) {
	f.Add(200, []byte(`{"height":1,"hash":"0x`+strings.Repeat("00", 32)+`","time":1,"state_root":"0x`+strings.Repeat("00", 32)+`","tx_count":0}`))
	f.Add(404, []byte(`{"error":{"code":"not_found","message":"x"}}`))
	f.Add(502, []byte(`<html>`))
	f.Add(200, []byte(`{"height":-1}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		var out api.HeadResponse
		err := decodeResponse(status, body, &out)
		if status < 200 || status > 299 {
			var ae *api.Error
			if !errors.As(err, &ae) || ae.Status != status || ae.Code == "" {
				t.Fatalf("status %d: err = %v", status, err)
			}
			return
		}
		if err != nil && !errors.Is(err, api.ErrBadResponse) {
			t.Fatalf("2xx decode error %v is not ErrBadResponse", err)
		}
	})
}
