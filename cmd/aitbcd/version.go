package main

import (
	"fmt"
	"io"
	"runtime"
)

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "aitbcd %s\n  go:        %s %s/%s\n  build:     %s\n  gpu:       %s\n",
		version, runtime.Version(), runtime.GOOS, runtime.GOARCH, buildTags(), gpuSummary())
	return nil
}
