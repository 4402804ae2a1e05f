package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/policy"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/vin"
)

const clientTestPassword = "correct horse battery"

// clientWorld is a real server over an in-memory store with one exporter,
// one manufacturer (with an outlet in Russia), an authority and customs,
// and a token for a member (and a viewer) of each.
type clientWorld struct {
	url    string
	db     *sqlstore.DB
	tokens map[string]string // "exporter", "maker", "authority", "customs", "exporter.viewer"
	outlet int64
	serial int
}

// openClientStore opens a migrated in-memory store, closed when the test
// ends, with passwords hashed at bcrypt's lowest cost meanwhile.
func openClientStore(t *testing.T) *sqlstore.DB {
	t.Helper()
	old := sqlstore.PasswordCost
	sqlstore.PasswordCost = bcrypt.MinCost
	t.Cleanup(func() { sqlstore.PasswordCost = old })
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

func newClientWorld(t *testing.T) *clientWorld {
	t.Helper()
	ctx := context.Background()
	db := openClientStore(t)
	now := time.Date(2026, 3, 10, 10, 0, 0, 0, ucx.ChinaTime)
	db.Now = func() time.Time { return now }
	today := ucx.DateOf(now)

	w := &clientWorld{db: db, tokens: map[string]string{}}
	orgs := map[string]*ucx.Org{
		"exporter":  {Kind: ucx.KindExporter, Name: "华运出口有限公司", Region: "广东", FilingNumber: "GD-1", FilingExpires: today.AddDays(200)},
		"maker":     {Kind: ucx.KindManufacturer, Name: "测试汽车股份有限公司", WMIs: []string{"LM1"}, Outlets: []*ucx.Outlet{{Country: "RU", Provider: "Testa Rus", Address: "Moscow"}}},
		"authority": {Kind: ucx.KindAuthority, Name: "广东省商务厅", Region: "广东"},
		"customs":   {Kind: ucx.KindCustoms, Name: "黄埔海关"},
	}
	for name, o := range orgs {
		for i, role := range []ucx.Role{ucx.RoleMember, ucx.RoleViewer} {
			u := &ucx.User{Username: name + "." + string(role), Role: role}
			var err error
			if i == 0 {
				err = db.Bootstrap(ctx, o, u, clientTestPassword)
			} else {
				u.OrgID = o.ID
				err = db.Bootstrap(ctx, nil, u, clientTestPassword)
			}
			if err != nil {
				t.Fatal(err)
			}
			p, err := db.Authenticate(ctx, u.Username, clientTestPassword)
			if err != nil {
				t.Fatal(err)
			}
			secret, _, err := db.CreateToken(ctx, p, "test")
			if err != nil {
				t.Fatal(err)
			}
			key := name
			if role == ucx.RoleViewer {
				key += ".viewer"
			}
			w.tokens[key] = secret
		}
	}
	w.outlet = orgs["maker"].Outlets[0].ID
	bindMaker(t, db, orgs["maker"])

	s := http.NewServer()
	s.OrgService, s.ApplicationService, s.RequestService, s.LicenceService, s.ImportService = db, db, db, db, db
	s.RegisterService = db
	if ss, ok := any(db).(ucx.ShipmentService); ok { // the batch workflow, once the store has it
		s.ShipmentService = ss
	}
	s.DeregistrationService = db
	s.Policy = policy.Default()
	s.Logger = slog.New(slog.DiscardHandler)
	s.Now = db.Now
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	w.url = ts.URL

	// The background import worker of `ucx serve`, quicker.
	bg, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for bg.Err() == nil {
			db.ProcessImports(bg)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

// vin returns a fresh VIN of the test manufacturer with a correct check
// digit.
func (w *clientWorld) vin() string {
	w.serial++
	v := fmt.Sprintf("LM1ABCDE0S1%06d", w.serial)
	d, _ := vin.CheckDigit(v)
	return v[:8] + string(d) + v[9:]
}

// applicationJSON is a complete application for a car registered on reg.
func (w *clientWorld) applicationJSON(reg string) string {
	return fmt.Sprintf(`{"vehicle":{"vin":%q,"brand":"Testa","model":"T1","energy_type":"petrol",
"registration_date":%q,"transfer_date":"2026-03-01"},
"certificate":{"brand":"Testa","model":"T1","registration_date":%q,"transfer_date":"2026-03-01"},
"destination":"RU","buyer":"OOO Avto","contract_number":"HT-1","inspection_report":"CMA-1"}`, w.vin(), reg, reg)
}

// ucx runs a command line as user against the world's server and returns
// the exit code and output. Like the other command tests it swaps the
// os.Std* files (never terminals), so it must not run in parallel.
func (w *clientWorld) ucx(t *testing.T, user, stdin string, args ...string) (int, string, string) {
	t.Helper()
	full := append([]string{}, args...)
	full = append(full, "--server", w.url)
	if user != "" {
		full = append(full, "--token", w.tokens[user])
	}
	return runClientCLI(t, stdin, full...)
}

// runClientCLI is runCLI with stdin as a string.
func runClientCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLI(t, []byte(stdin), args...)
}

// TestClientCmds_WholeWorkflowFromTheCommandLine drives the export from
// the shell: log in, file and submit, the manufacturer approves from its
// inbox, the authority issues, customs clears — and clears again, refused.
func TestClientCmds_WholeWorkflowFromTheCommandLine(t *testing.T) {
	t.Setenv("UCX_TOKEN", "")
	w := newClientWorld(t)

	code, out, errOut := w.ucx(t, "", clientTestPassword+"\n", "login", "--username", "exporter.member", "--password-stdin")
	token := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(token, "ucx_") {
		t.Fatalf("login: exit %d, out %q, err %q", code, out, errOut)
	}

	file := filepath.Join(t.TempDir(), "car.json")
	os.WriteFile(file, []byte(w.applicationJSON("2026-01-16")), 0o644)
	code, out, errOut = runClientCLI(t, "", "app", "file", file, "--submit", "--idempotency-key", "car-1", "--server", w.url, "--token", token)
	if code != 0 || !strings.Contains(out, "awaiting_confirmation") || !strings.Contains(out, "letter-required") || !strings.Contains(out, "R1") {
		t.Fatalf("app file: exit %d\n%s%s", code, out, errOut)
	}
	appID := strings.Fields(strings.TrimPrefix(out, "filed application "))[0]
	appID = strings.TrimSuffix(appID, ":")
	code, out, _ = runClientCLI(t, "", "app", "file", file, "--submit", "--idempotency-key", "car-1", "--server", w.url, "--token", token)
	if code != 0 || !strings.Contains(out, "application "+appID+" was filed before") {
		t.Fatalf("app file again with the same key: exit %d\n%s", code, out)
	}

	code, out, _ = w.ucx(t, "exporter", "", "app", "list", "--state", "awaiting_confirmation")
	if code != 0 || !strings.HasPrefix(out, "ID ") || !strings.Contains(out, "awaiting_confirmation") || !strings.Contains(out, "1 in all") {
		t.Fatalf("app list: exit %d\n%s", code, out)
	}
	code, out, _ = w.ucx(t, "exporter", "", "app", "show", appID)
	if code != 0 || !strings.Contains(out, "application.submit") || !hasLine(out, "destination: RU") {
		t.Fatalf("app show: exit %d\n%s", code, out)
	}

	code, out, _ = w.ucx(t, "maker", "", "request", "list", "--json")
	var inbox wire.ListResponse[*ucx.ConfirmationRequest]
	if code != 0 || json.Unmarshal([]byte(out), &inbox) != nil || inbox.Total != 1 {
		t.Fatalf("request list --json: exit %d\n%s", code, out)
	}
	reqID := strconv.FormatInt(inbox.Items[0].ID, 10)
	code, _, errOut = w.ucx(t, "maker.viewer", "", "request", "approve", reqID, "--outlet", strconv.FormatInt(w.outlet, 10))
	if code != 1 || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("a viewer approves: exit %d, %q; want 1 and forbidden", code, errOut)
	}
	code, out, errOut = w.ucx(t, "maker", "", "request", "approve", reqID, "--outlet", strconv.FormatInt(w.outlet, 10))
	if code != 0 || !strings.Contains(out, "approved") {
		t.Fatalf("request approve: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut = w.ucx(t, "authority", "", "licence", "issue", appID, "--json")
	var lic ucx.Licence
	if code != 0 || json.Unmarshal([]byte(out), &lic) != nil || lic.Number == "" {
		t.Fatalf("licence issue: exit %d\n%s%s", code, out, errOut)
	}
	vinNo := lic.Schedule[0].VIN
	code, out, _ = w.ucx(t, "customs", "", "licence", "list", "--vin", vinNo)
	if code != 0 || !strings.Contains(out, lic.Number) {
		t.Fatalf("licence list --vin: exit %d\n%s", code, out)
	}
	licID := strconv.FormatInt(lic.ID, 10)
	// Customs names the licence by the number on the paper.
	code, out, errOut = w.ucx(t, "customs", "", "clear", lic.Number, "--port", "Horgos", "--declaration", "D-1")
	if code != 0 || !strings.Contains(out, "Horgos") || !strings.Contains(out, "deregister by") {
		t.Fatalf("clear: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = w.ucx(t, "customs", "", "clear", licID, "--port", "Horgos", "--declaration", "D-2")
	if code != 1 || !strings.Contains(errOut, "conflict") {
		t.Fatalf("second clear: exit %d %q; want 1 and conflict", code, errOut)
	}
	for _, arg := range []string{licID, lic.Number} {
		code, out, _ = w.ucx(t, "exporter", "", "licence", "show", arg)
		if code != 0 || !strings.Contains(out, vinNo) || !strings.Contains(out, "D-1") {
			t.Fatalf("licence show %s: exit %d\n%s", arg, code, out)
		}
	}
}

// TestClientCmds_ExitCodes: 1 when the server refuses, 2 for usage, 3 when
// the server fails or cannot be reached.
func TestClientCmds_ExitCodes(t *testing.T) {
	t.Setenv("UCX_TOKEN", "")
	w := newClientWorld(t)
	app := filepath.Join(t.TempDir(), "car.json")
	os.WriteFile(app, []byte(w.applicationJSON("2025-01-16")), 0o644)
	misspelt := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(misspelt, []byte(`{"vehicle":{"vinn":"x"}}`), 0o644)
	invalid := filepath.Join(t.TempDir(), "invalid.json")
	os.WriteFile(invalid, []byte(`{"vehicle":{"vin":"LM1"},"destination":"RU"}`), 0o644)

	failing := httptest.NewServer(nethttp.HandlerFunc(func(rw nethttp.ResponseWriter, r *nethttp.Request) {
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(500)
		rw.Write([]byte(`{"error":{"code":"internal","message":"Internal error."}}`))
	}))
	defer failing.Close()
	proxy := httptest.NewServer(nethttp.HandlerFunc(func(rw nethttp.ResponseWriter, r *nethttp.Request) {
		rw.WriteHeader(502)
		rw.Write([]byte("<html>bad gateway</html>"))
	}))
	defer proxy.Close()

	tests := []struct {
		name    string
		user    string
		args    []string
		code    int
		errWant string
	}{
		{"NoToken", "", []string{"app", "list"}, 2, "no API token"},
		{"BadID", "exporter", []string{"app", "show", "abc"}, 2, "positive integer"},
		{"NoSuchFile", "exporter", []string{"app", "file", "/nonexistent.json"}, 2, "no such file"},
		{"MisspeltField", "exporter", []string{"app", "file", misspelt}, 2, "vinn"},
		{"UnknownFlag", "exporter", []string{"app", "list", "--colour", "red"}, 2, "colour"},
		{"ApproveWithoutOutlet", "maker", []string{"request", "approve", "1"}, 2, "--outlet"},
		{"RefuseWithoutCode", "maker", []string{"request", "refuse", "1"}, 2, "--code"},
		{"ClearWithoutPort", "customs", []string{"clear", "1", "--declaration", "D"}, 2, "--port"},
		{"InvalidApplication", "exporter", []string{"app", "file", invalid}, 1, "invalid"},
		{"Forbidden", "exporter.viewer", []string{"app", "file", app}, 1, "forbidden"},
		{"NotFound", "exporter", []string{"app", "show", "4242"}, 1, "not_found"},
		{"BadFilter", "exporter", []string{"app", "list", "--state", "lost"}, 1, "field state"},
		{"BadToken", "", []string{"app", "list", "--token", "ucx_forged"}, 1, "unauthorized"},
		{"WrongPassword", "", []string{"login", "-u", "exporter.member", "--password-stdin"}, 1, "unauthorized"},
		{"Unreachable", "exporter", []string{"app", "list", "--server", "http://127.0.0.1:1"}, 3, "unavailable"},
		{"ServerFails", "exporter", []string{"app", "list", "--server", failing.URL}, 3, "internal"},
		{"ProxyPage", "exporter", []string{"app", "list", "--server", proxy.URL}, 3, "502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.user != "" {
				args = append(append([]string{}, args...), "--token", w.tokens[tt.user])
			}
			// --server given last wins over the world's.
			full := append([]string{}, args[:1]...)
			full = append(full, "--server", w.url)
			full = append(full, args[1:]...)
			code, out, errOut := runClientCLI(t, "not the password\n", full...)
			if code != tt.code || !strings.Contains(errOut, tt.errWant) {
				t.Fatalf("exit %d, stderr %q (stdout %q); want %d and %q", code, errOut, out, tt.code, tt.errWant)
			}
		})
	}
}

// TestImportCmd_UploadsFollowsAndSavesTheResults: the import command
// uploads, waits for the background worker, prints the summary, saves the
// per-row results, and exits 1 because a row was rejected.
func TestImportCmd_UploadsFollowsAndSavesTheResults(t *testing.T) {
	t.Setenv("UCX_TOKEN", "")
	w := newClientWorld(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "cars.csv")
	var b strings.Builder
	b.WriteString("vin,brand,model,registration_date,transfer_date,destination,cert_brand,cert_model,cert_registration_date,cert_transfer_date,inspection_report,buyer,contract_number\n")
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&b, "%s,Testa,T1,2025-01-16,2026-03-01,RU,Testa,T1,2025-01-16,2026-03-01,CMA-1,OOO Avto,HT-%d\n", w.vin(), i)
	}
	b.WriteString("LM1ABCDE0XBAD0000,Testa,T1,2025-01-16,2026-03-01,RU,Testa,T1,2025-01-16,2026-03-01,CMA-1,OOO Avto,HT-9\n")
	os.WriteFile(src, []byte(b.String()), 0o644)
	results := filepath.Join(dir, "results.csv")

	code, out, errOut := w.ucx(t, "exporter", "", "import", src, "--results", results, "--poll", "20ms")
	if code != 1 || !strings.Contains(out, "done, 4 rows: 3 filed, 1 rejected") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	fh, err := os.Open(results)
	if err != nil {
		t.Fatalf("results file: %v", err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil || len(recs) != 5 || recs[4][2] != "rejected" || recs[1][2] != "filed" {
		t.Fatalf("results: %q %v", recs, err)
	}

	code, out, _ = w.ucx(t, "exporter", "", "import", src, "--wait=false", "--json")
	var imp ucx.Import
	if code != 0 || json.Unmarshal([]byte(out), &imp) != nil || imp.State != ucx.ImportQueued {
		t.Fatalf("import --wait=false: exit %d\n%s", code, out)
	}
	code, _, errOut = w.ucx(t, "customs", "", "import", src)
	if code != 1 || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("customs imports: exit %d %q", code, errOut)
	}
}

// hasLine reports whether out has a line whose words are those of want,
// whatever the alignment.
func hasLine(out, want string) bool {
	for _, line := range strings.Split(out, "\n") {
		if strings.Join(strings.Fields(line), " ") == want {
			return true
		}
	}
	return false
}

// TestClientCmds_RefusalsFromTheCommandLine: a manufacturer refuses a
// confirmation request and an authority refuses a licence, each with a
// reason code, and the records say so.
func TestClientCmds_RefusalsFromTheCommandLine(t *testing.T) {
	w := newClientWorld(t)
	file := func(reg string) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "car.json")
		os.WriteFile(path, []byte(w.applicationJSON(reg)), 0o644)
		code, out, errOut := w.ucx(t, "exporter", "", "app", "file", path, "--submit", "--json")
		var app ucx.Application
		if code != 0 || json.Unmarshal([]byte(out), &app) != nil {
			t.Fatalf("app file: exit %d\n%s%s", code, out, errOut)
		}
		return strconv.FormatInt(app.ID, 10)
	}

	// A near-new car: the manufacturer refuses its letter.
	file("2026-01-16")
	code, out, _ := w.ucx(t, "maker", "", "request", "list", "--json")
	var inbox wire.ListResponse[*ucx.ConfirmationRequest]
	if code != 0 || json.Unmarshal([]byte(out), &inbox) != nil || len(inbox.Items) != 1 {
		t.Fatalf("request list: exit %d\n%s", code, out)
	}
	reqID := strconv.FormatInt(inbox.Items[0].ID, 10)
	code, out, errOut := w.ucx(t, "maker", "", "request", "refuse", reqID, "--code", "no_service_network", "--text", "no outlet there", "--json")
	var refused ucx.ConfirmationRequest
	if code != 0 || json.Unmarshal([]byte(out), &refused) != nil || refused.State != ucx.ConfirmationRefused || refused.RefusalCode != "no_service_network" {
		t.Fatalf("request refuse: exit %d, %+v\n%s%s", code, refused, out, errOut)
	}

	// An older car goes straight to review: the authority refuses it.
	appID := file("2025-06-01")
	code, out, errOut = w.ucx(t, "authority", "", "licence", "refuse", appID, "--code", "data_mismatch", "--text", "transfer date differs")
	if code != 0 || out != "application "+appID+": refused (version 3)\n" {
		t.Fatalf("licence refuse: exit %d, %q%s", code, out, errOut)
	}
	// A second refusal finds nothing to refuse.
	if code, _, errOut = w.ucx(t, "authority", "", "licence", "refuse", appID, "--code", "other", "--text", "again"); code != 1 {
		t.Fatalf("second licence refuse: exit %d, %s", code, errOut)
	}
}

// bindMaker enters manufacturer o in the manufacturer register and binds
// it, so that it may confirm (R2).
func bindMaker(t *testing.T, db *sqlstore.DB, o *ucx.Org) {
	t.Helper()
	if _, err := db.BootstrapRegisterEntry(context.Background(), &ucx.RegisterEntryInput{Name: o.Name, Role: ucx.RegisterVehicleManufacturer,
		Source: "工业和信息化部《道路机动车辆生产企业及产品公告》（测试）", Batch: "第385批"}, o.ID); err != nil {
		t.Fatal(err)
	}
}
