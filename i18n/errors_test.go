package i18n

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
)

// sourceErrorFormats reads the module's Go source (tests and the separate
// bench module aside) and returns every constant format passed to
// ucx.Errorf or ucx.FieldErrorf or assigned to an error's Format, with
// where it is written.
func sourceErrorFormats(t *testing.T, root string) map[string]string {
	t.Helper()
	formats := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (d.Name() == "bench" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		add := func(lit ast.Expr) {
			if lit, ok := lit.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					if _, seen := formats[s]; !seen {
						rel, _ := filepath.Rel(root, p)
						formats[s] = rel + ":" + strconv.Itoa(fset.Position(lit.Pos()).Line)
					}
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			// e.Format, e.Args = "…", …: an error re-worded around another.
			if as, ok := n.(*ast.AssignStmt); ok {
				for i, l := range as.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == "Format" && i < len(as.Rhs) {
						add(as.Rhs[i])
					}
				}
				return true
			}
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var name string
			switch fn := c.Fun.(type) {
			case *ast.SelectorExpr:
				if x, ok := fn.X.(*ast.Ident); ok && x.Name == "ucx" {
					name = fn.Sel.Name
				}
			case *ast.Ident:
				if f.Name.Name == "ucx" {
					name = fn.Name
				}
			}
			i := map[string]int{"Errorf": 1, "FieldErrorf": 2}[name]
			if i == 0 || len(c.Args) <= i {
				return true
			}
			add(c.Args[i])
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return formats
}

// verbSequence is a message's fmt verbs in order: a translation must take
// its arguments in the English order, or Sprintf would misplace them.
func verbSequence(msg string) []string {
	var vs []string
	for _, v := range verb.FindAllString(msg, -1) {
		if v != "%%" {
			vs = append(vs, v)
		}
	}
	return vs
}

func TestErrors_EveryFormatTheCodeWritesIsInChinese(t *testing.T) {
	if _, err := os.Stat("../go.mod"); err != nil {
		t.Skip("the module's source is not beside the test")
	}
	formats := sourceErrorFormats(t, "..")
	if len(formats) < 100 {
		t.Fatalf("found only %d error formats in the source; the reader is broken", len(formats))
	}
	var missing []string
	for f, at := range formats {
		if !Errors.Has("zh", f) {
			missing = append(missing, at+": "+strconv.Quote(f))
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		t.Errorf("i18n/errors/zh.json lacks %s", m)
	}
	for _, k := range Errors.Keys("zh") {
		if _, ok := formats[k]; !ok {
			t.Errorf("i18n/errors/zh.json has %q, which no code writes any more; remove it", k)
		}
		zh, _ := Errors.Lookup("zh", k)
		if !slices.Equal(verbSequence(zh), verbSequence(k)) {
			t.Errorf("zh %q has verbs %v, the English %v (same verbs, same order)", k, verbSequence(zh), verbSequence(k))
		}
	}
}

func TestErrorText_TranslatesWithTheSameArguments(t *testing.T) {
	c, err := Load(os.DirFS("."), "errors")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Keys("zh")) == 0 {
		t.Fatal("the Chinese error catalogue is empty")
	}
	inner := ucx.FieldErrorf(ucx.EINVALID, "vin", "the VIN is required")
	outer := ucx.Errorf(ucx.EINVALID, "vehicle %d: %s", 3, inner)
	for _, c := range []struct {
		lang string
		err  error
		want string
		ok   bool
	}{
		{"en", ucx.Errorf(ucx.EINVALID, "the VIN %q has %d characters", "LGX", 3), `the VIN "LGX" has 3 characters`, true},
		{"zh", inner, "车辆识别代号（VIN）必填", true},
		{"zh", outer, "第 3 辆车：车辆识别代号（VIN）必填", true},
		{"zh", ucx.Errorf(ucx.EINVALID, "a format no code writes %d", 1), "", false},
		{"zh", &ucx.Error{Code: ucx.EINVALID, Message: "made without a format"}, "", false},
		{"zh", ucx.Internal("op", errors.New("secret")), "", false},
	} {
		if got, ok := ErrorText(c.lang, c.err); got != c.want || ok != c.ok {
			t.Errorf("ErrorText(%s, %v) = %q, %v; want %q, %v", c.lang, c.err, got, ok, c.want, c.ok)
		}
	}
	if outer.Args[1] != inner {
		t.Error("translating changed the error's own arguments")
	}
}
