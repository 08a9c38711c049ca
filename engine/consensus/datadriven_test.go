package consensus

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of testdata/*.txt scripts")

// A script is a sequence of cases:
//
//	# comments and blank lines
//	command key=value ...
//	----
//	expected output (no blank lines)
//	<blank line>
type scriptCase struct {
	pre  []string // comment and blank lines before the command
	cmd  string
	want []string
	line int
}

func parseScript(t *testing.T, path string) []scriptCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	var out []scriptCase
	var pre []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" || strings.HasPrefix(l, "#") {
			pre = append(pre, l)
			continue
		}
		c := scriptCase{pre: pre, cmd: l, line: i + 1}
		pre = nil
		if i+1 >= len(lines) || lines[i+1] != "----" {
			t.Fatalf("%s:%d: command without ---- line", path, i+1)
		}
		i += 2
		for ; i < len(lines) && lines[i] != ""; i++ {
			c.want = append(c.want, lines[i])
		}
		out = append(out, c)
	}
	return out
}

// parseArgs splits "cmd k=v k2=v2" into the command and its arguments.
func parseArgs(line string) (string, map[string]string) {
	f := strings.Fields(line)
	args := make(map[string]string)
	for _, kv := range f[1:] {
		k, v, _ := strings.Cut(kv, "=")
		args[k] = v
	}
	return f[0], args
}

// runScripts runs every testdata/*.txt script through run, comparing (or
// with -rewrite, replacing) the expected output.
func runScripts(t *testing.T, run func(t *testing.T, env *scriptEnv, cmd string, args map[string]string) []string) {
	paths, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			cases := parseScript(t, path)
			env := &scriptEnv{t: t}
			var sb strings.Builder
			for _, c := range cases {
				cmd, args := parseArgs(c.cmd)
				got := run(t, env, cmd, args)
				if !*rewrite && strings.Join(got, "\n") != strings.Join(c.want, "\n") {
					t.Errorf("%s:%d: %s\n--- got:\n%s\n--- want:\n%s", path, c.line, c.cmd, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
				}
				for _, p := range c.pre {
					sb.WriteString(p + "\n")
				}
				sb.WriteString(c.cmd + "\n----\n")
				for _, g := range got {
					sb.WriteString(g + "\n")
				}
				sb.WriteString("\n")
			}
			if *rewrite {
				if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
