package http_test

import (
	"strings"
	"testing"

	ucxhttp "github.com/ucxdev/ucx/http"
)

func TestParsePublicURL(t *testing.T) {
	for _, c := range []struct {
		in, want, refusal string
	}{
		{"", "", ""},
		{"https://ucx.example.cn", "https://ucx.example.cn", ""},
		{"https://ucx.example.cn/", "https://ucx.example.cn", ""},
		{" http://10.0.0.5:8080/ucx/ ", "http://10.0.0.5:8080/ucx", ""},
		{"ucx.example.cn", "", "https://"},
		{"ftp://ucx.example.cn", "", "https://"},
		{"https://", "", "no host"},
		{"https://:443", "", "no host"},
		{"https://admin:pw@ucx.example.cn", "", "credentials"},
		{"https://ucx.example.cn/?a=1", "", "query"},
		{"https://ucx.example.cn/#top", "", "query"},
		{"https://ucx.example.cn/%zz", "", "not a URL"},
	} {
		got, err := ucxhttp.ParsePublicURL(c.in)
		if c.refusal == "" {
			if err != nil || got != c.want {
				t.Errorf("ParsePublicURL(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.refusal) {
			t.Errorf("ParsePublicURL(%q) = %q, %v; want a refusal saying %q", c.in, got, err, c.refusal)
		}
	}
}
