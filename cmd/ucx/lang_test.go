package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClientCmds_LangWordsTheServersMessages: --lang zh (or UCX_LANG=zh)
// has the server word its refusal in Chinese, with the same code and
// field as in English; an unknown language is a usage error.
func TestClientCmds_LangWordsTheServersMessages(t *testing.T) {
	w := newClientWorld(t)
	bad := filepath.Join(t.TempDir(), "bad-date.json")
	os.WriteFile(bad, []byte(`{"vehicle":{"vin":"LM1","brand":"Testa","model":"T1","registration_date":"2026-01-16","transfer_date":"2026-03-01"},"destination":"XX"}`), 0o644)
	tests := []struct {
		name    string
		args    []string
		env     string
		code    int
		want    string
		notWant string
	}{
		{"English by default", []string{"app", "file", bad}, "", 1, "destination must be an ISO 3166-1 alpha-2 country code", "目的国"},
		{"Chinese by flag", []string{"app", "file", bad, "--lang", "zh"}, "", 1, "invalid: 目的国（destination）须为 ISO 3166-1", "must be"},
		{"Chinese by UCX_LANG", []string{"app", "file", bad}, "zh", 1, "(field destination)", "must be"},
		{"flag over UCX_LANG", []string{"app", "file", bad, "--lang", "en"}, "zh", 1, "must be an ISO", "目的国"},
		{"unknown language", []string{"app", "list", "--lang", "fr"}, "", 2, `--lang "fr" is not supported`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("UCX_LANG", tt.env)
			code, _, errOut := w.ucx(t, "exporter", "", tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) || tt.notWant != "" && strings.Contains(errOut, tt.notWant) {
				t.Errorf("exit %d, stderr %q; want %d with %q and without %q", code, errOut, tt.code, tt.want, tt.notWant)
			}
		})
	}
}
