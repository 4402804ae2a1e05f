package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// Every flag of `ucx serve` appears in the README's configuration table
// with the UCX_ variable its help names, and setting that variable changes
// the flag's value (every configuration variable appears in the
// README's table and has a test).
func TestConfig_EveryServeFlagIsInTheREADMEAndReadsItsVariable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	table := string(readme)
	envName := regexp.MustCompile(`\b(UCX_[A-Z_]+)\b`)
	samples := map[string]string{"string": "/tmp/x-test", "int": "7", "int64": "7", "float64": "7.5", "duration": "7s", "bool": "true", "stringArray": "/tmp/x-test"}

	checked := 0
	newServeCmd().Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" {
			return
		}
		row := "| `--" + f.Name + "` |"
		if !strings.Contains(table, row) {
			t.Errorf("--%s is not in the README's configuration table", f.Name)
			return
		}
		m := envName.FindStringSubmatch(f.Usage)
		if m == nil {
			return // flag only (e.g. --demo)
		}
		env := m[1]
		line := table[strings.Index(table, row):]
		line = line[:strings.IndexByte(line, '\n')]
		if !strings.Contains(line, env) {
			t.Errorf("the README's row for --%s does not name %s", f.Name, env)
		}
		if env == "UCX_KEK" {
			return // the key itself, read at start rather than into the flag
		}
		val, ok := samples[f.Value.Type()]
		if !ok {
			t.Errorf("--%s: no sample for type %s", f.Name, f.Value.Type())
			return
		}
		t.Setenv(env, val)
		got := newServeCmd().Flags().Lookup(f.Name).Value.String()
		if want := normalise(f.Value.Type(), val); got != want {
			t.Errorf("%s=%s: --%s = %q, want %q", env, val, f.Name, got, want)
		}
		checked++
	})
	if checked < 20 {
		t.Fatalf("only %d variables checked: the test is not seeing the flags", checked)
	}
}

// normalise writes a sample value as pflag prints it back.
func normalise(typ, v string) string {
	switch typ {
	case "float64":
		return "7.5"
	case "stringArray": // UCX_WITNESSES: one item here
		return "[" + v + "]"
	}
	return v
}
