package ucx_test

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ucxdev/ucx/bundle"
)

var updateMap = flag.Bool("update-map", false, "rewrite docs/map.md from the code")

// TestMap_NamesTheFileOfEveryRoutePageAndRule keeps docs/map.md, the
// newcomer's index from an id to a file, in step with the code: every
// route the API (http) and the web UI (http/html) register with the file
// of its handler, every page template with the handler files that render
// it, and every rule of the regulation (R1…R17) with the files that cite
// it. Run with -update-map after adding a route, a page or a rule.
func TestMap_NamesTheFileOfEveryRoutePageAndRule(t *testing.T) {
	got := buildMap(t)
	const path = "docs/map.md"
	if *updateMap {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test . -run TestMap -update-map)", err)
	}
	if string(want) != got {
		t.Errorf("%s is out of step with the code; run: go test . -run TestMap -update-map", path)
	}
}

var routePattern = regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE) /`)

type route struct{ pattern, handler, file string }

// buildMap renders docs/map.md.
func buildMap(t *testing.T) string {
	t.Helper()
	var routes []route
	pages := map[string][]string{} // template name → files that render it
	for _, dir := range []string{"http", "http/html"} {
		fset := token.NewFileSet()
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		decl := map[string]string{} // handler method name → file
		var found []route
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(af, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncDecl:
					decl[n.Name.Name] = f
				case *ast.CallExpr:
					if len(n.Args) < 2 {
						break
					}
					s, ok := patternOf(t, n.Args[0])
					if !ok {
						break
					}
					if routePattern.MatchString(s) {
						found = append(found, route{pattern: s, handler: innermostHandler(n.Args[1]), file: f})
					}
				}
				return true
			})
		}
		for _, r := range found {
			if f, ok := decl[r.handler]; ok {
				r.file = f
			}
			if !slices.Contains(routes, r) {
				routes = append(routes, r)
			}
		}
	}
	collectPages(t, pages)

	var b strings.Builder
	b.WriteString("# Where things live\n\n")
	b.WriteString("The index from an id to a file, for a newcomer: every route, every page and every rule.\n")
	b.WriteString("It is made from the code by `go test . -run TestMap -update-map`, and a test fails when it is out of step.\n\n")
	b.WriteString("## Routes\n\nThe REST API (`/api/v1`, package `http`) and the web UI (package `http/html`): the route as registered, its handler and the handler's file.\n\n")
	b.WriteString("| route | handler | file |\n|---|---|---|\n")
	sort.SliceStable(routes, func(i, j int) bool {
		pi, pj := strings.SplitN(routes[i].pattern, " ", 2), strings.SplitN(routes[j].pattern, " ", 2)
		if pi[1] != pj[1] {
			return pi[1] < pj[1]
		}
		return pi[0] < pj[0]
	})
	for _, r := range routes {
		fmt.Fprintf(&b, "| `%s` | `%s` | `%s` |\n", r.pattern, r.handler, filepath.ToSlash(r.file))
	}
	b.WriteString("\n## Pages\n\nEach page of the web UI is a template in `http/html/templates/` (within `layout.html`), rendered by the handlers of these files; its texts are keys of the catalogues `http/html/locales/{zh,en,ru}.json` (docs/i18n.md).\n\n")
	b.WriteString("| page | template | handler files |\n|---|---|---|\n")
	names := make([]string, 0, len(pages))
	for n := range pages {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		tmpl := "http/html/templates/" + n + ".html"
		if _, err := os.Stat(tmpl); err != nil {
			tmpl = "—"
		} else {
			tmpl = "`" + tmpl + "`"
		}
		fs := pages[n]
		sort.Strings(fs)
		fmt.Fprintf(&b, "| %s | %s | `%s` |\n", n, tmpl, strings.Join(fs, "`, `"))
	}
	b.WriteString("\n## Rules\n\nThe rules of `../shared/REGULATION.md` and the files whose code cites them (tests left out), most citations first.\n\n")
	b.WriteString("| rule | files |\n|---|---|\n")
	rules := citeRules(t)
	for i := 1; i <= 17; i++ {
		id := "R" + strconv.Itoa(i)
		files := strings.Join(rules[id], ", ")
		if files == "" {
			files = "not cited in the code"
		}
		fmt.Fprintf(&b, "| %s | %s |\n", id, files)
	}
	return b.String()
}

// patternConstants are the constants route patterns are built from.
var patternConstants = map[string]string{"bundle.WellKnownPath": bundle.WellKnownPath}

// patternOf reads a registration's first argument as a route pattern: a
// string literal, or "GET "+pkg.Const for a constant of patternConstants
// (any other constant fails the test, so that no route is left out).
func patternOf(t *testing.T, e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		s, _ := strconv.Unquote(x.Value)
		return s, true
	case *ast.BinaryExpr:
		left, ok := patternOf(t, x.X)
		if !ok || !routePattern.MatchString(left+"/") {
			return "", false
		}
		sel, ok := x.Y.(*ast.SelectorExpr)
		if !ok {
			return "", false
		}
		pkg, ok := sel.X.(*ast.Ident)
		if !ok {
			return "", false
		}
		v, known := patternConstants[pkg.Name+"."+sel.Sel.Name]
		if !known {
			t.Errorf("route pattern %s%s.%s: add the constant to patternConstants", left, pkg.Name, sel.Sel.Name)
		}
		return left + v, known
	}
	return "", false
}

// innermostHandler names the handler a registration wraps:
// s.authenticate(s.handleX) and s.uiCSRF(s.uiAuth(s.uiX)) name handleX and uiX.
func innermostHandler(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.CallExpr:
			// s.authenticate(s.handleX) wraps handleX; s.handleDecide(true)
			// makes a handler of its own.
			for i := len(x.Args) - 1; i >= 0; i-- {
				if name := innermostHandler(x.Args[i]); name != "" {
					return name
				}
			}
			e = x.Fun
		case *ast.SelectorExpr:
			return x.Sel.Name
		case *ast.Ident:
			if x.Name == "true" || x.Name == "false" || x.Name == "nil" {
				return ""
			}
			return x.Name
		default:
			return ""
		}
	}
}

// collectPages adds the pages every non-test file of http/html names in a
// newBase call.
func collectPages(t *testing.T, pages map[string][]string) {
	t.Helper()
	files, _ := filepath.Glob("http/html/*.go")
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || len(c.Args) < 3 {
				return true
			}
			if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "newBase" {
				if l, ok := c.Args[2].(*ast.BasicLit); ok && l.Kind == token.STRING {
					name, _ := strconv.Unquote(l.Value)
					pages[name] = appendOnce(pages[name], f)
				}
			}
			return true
		})
	}
}

var ruleID = regexp.MustCompile(`\bR(1[0-7]|[1-9])\b`)

// citeRules lists, per rule id, the non-test Go files citing it, most
// citations first.
func citeRules(t *testing.T) map[string][]string {
	t.Helper()
	counts := map[string]map[string]int{}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == "bench" || path == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.Contains(path, "test/") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range ruleID.FindAllString(string(b), -1) {
			if counts[m] == nil {
				counts[m] = map[string]int{}
			}
			counts[m][filepath.ToSlash(path)]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for id, files := range counts {
		var fs []string
		for f := range files {
			fs = append(fs, f)
		}
		sort.Slice(fs, func(i, j int) bool {
			if files[fs[i]] != files[fs[j]] {
				return files[fs[i]] > files[fs[j]]
			}
			return fs[i] < fs[j]
		})
		for i, f := range fs {
			fs[i] = "`" + f + "`"
		}
		out[id] = fs
	}
	return out
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
