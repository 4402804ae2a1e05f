package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	nethttp "net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/demo"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
	"github.com/ucxdev/ucx/vin"
)

// TestMain lets the test binary act as `ucx` itself: the crash test starts
// it as a child process with UCX_TEST_CHILD_ARGS set and kills it with
// SIGKILL, exactly as a power cut or the OOM killer would.
func TestMain(m *testing.M) {
	if args := os.Getenv("UCX_TEST_CHILD_ARGS"); args != "" {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			fmt.Fprintln(os.Stderr, "bad UCX_TEST_CHILD_ARGS:", err)
			os.Exit(2)
		}
		os.Exit(run(argv))
	}
	os.Exit(m.Run())
}

// TestCrash_AcknowledgedApplicationsSurviveSIGKILL files applications from
// several clients while the server is killed with SIGKILL at random moments
// and restarted. Afterwards every application acknowledged with 2xx is in
// the store with its audit event, and nothing that failed left a partial
// record. UCX_CRASH_ROUNDS sets the number of kills (CI runs the default,
// a reduced form).
//
// It runs on SQLite, and on PostgreSQL (a fresh schema) when
// UCX_TEST_POSTGRES is set.
func TestCrash_AcknowledgedApplicationsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	sqlstoretest.DSNs(t, crashTest)
}

func crashTest(t *testing.T, path string) {
	// The log key lives beside the test, not in the working directory, and
	// stays the same across restarts as a real deployment's does.
	logKey := filepath.Join(t.TempDir(), "log.key")
	rounds := 3
	if s := os.Getenv("UCX_CRASH_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	ctx := context.Background()

	// Seed a world directly in the store, then hand the file to the child.
	db, err := sqlstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	world, err := demo.Seed(ctx, db, 1)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	cred, ok := world.Login("huayun-export")
	if !ok {
		t.Fatal("no exporter in the demo world")
	}

	type ack struct {
		id  int64
		vin string
	}
	var (
		mu     sync.Mutex
		acked  []ack
		failed int
	)
	seq := 0
	nextVIN := func() string {
		mu.Lock()
		defer mu.Unlock()
		seq++
		b := []byte(fmt.Sprintf("LGXCRASH0T%07d", seq))
		d, _ := vin.CheckDigit(string(b))
		b[8] = d
		return string(b)
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 8))
	for round := 0; round <= rounds; round++ {
		child, url := startChild(t, path, "--log-key", logKey)
		api := client.New(url, cred.Token)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					in := crashApplication(nextVIN())
					app, _, err := api.CreateApplication(ctx, nil, in, ucx.CreateOptions{})
					mu.Lock()
					if err == nil {
						acked = append(acked, ack{app.ID, app.Vehicle.VIN})
					} else {
						failed++
					}
					mu.Unlock()
					if err != nil {
						time.Sleep(5 * time.Millisecond)
					}
				}
			}()
		}
		time.Sleep(time.Duration(150+rng.IntN(400)) * time.Millisecond)
		if round < rounds {
			child.Process.Signal(syscall.SIGKILL)
		} else {
			child.Process.Signal(syscall.SIGTERM) // the last round ends gracefully
		}
		child.Wait()
		close(stop)
		wg.Wait()
	}

	db, err = sqlstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	auth := principalOf(t, db, "huayun-export", world)
	missing := 0
	for _, a := range acked {
		app, err := db.FindApplicationByID(ctx, auth, a.id)
		if err != nil || app.Vehicle.VIN != a.vin {
			missing++
			t.Errorf("acknowledged application %d (%s) lost: %v", a.id, a.vin, err)
			continue
		}
		events, err := db.Timeline(ctx, auth, a.id)
		if err != nil || len(events) == 0 {
			t.Errorf("application %d has no audit event: %v", a.id, err)
		}
	}
	// Every application in the store, acknowledged or not, is whole: it has
	// its decision and its audit event (no partial records).
	total := 0
	for offset := 0; ; offset += 500 {
		apps, n, err := db.FindApplications(ctx, auth, ucx.ApplicationFilter{Offset: offset, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		total = n
		for _, a := range apps {
			if a.Decision.Policy.SHA256 == "" {
				t.Errorf("application %d has no stored decision", a.ID)
			}
			if ev, err := db.Timeline(ctx, auth, a.ID); err != nil || len(ev) == 0 {
				t.Errorf("application %d in the store has no audit event", a.ID)
			}
		}
		if len(apps) < 500 {
			break
		}
	}
	t.Logf("crash test (%s): %d SIGKILL rounds, %d applications acknowledged, %d requests failed during kills, %d acknowledged missing, %d in store for the exporter",
		db.Engine(), rounds, len(acked), failed, missing, total)
	if len(acked) == 0 {
		t.Fatal("no application was acknowledged: the load generator did not work")
	}
}

func principalOf(t *testing.T, db *sqlstore.DB, user string, w *demo.World) *ucx.Principal {
	t.Helper()
	c, _ := w.Login(user)
	p, err := db.PrincipalByToken(context.Background(), c.Token)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startChild starts the test binary as `ucx serve --db path` on a free
// loopback port, with the request-rate limits off (the load is the test's
// own) and any extra flags, and waits until /healthz answers.
func startChild(t *testing.T, path string, extra ...string) (*exec.Cmd, string) {
	t.Helper()
	addr := freeAddr(t)
	args, _ := json.Marshal(append([]string{"serve", "--db", path, "--addr", addr, "--rate-per-token", "0", "--rate-per-address", "0"}, extra...))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "UCX_TEST_CHILD_ARGS="+string(args))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	url := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := nethttp.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd, url
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal(errors.New("the child server did not come up"))
	return nil, ""
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func crashApplication(v string) *ucx.ApplicationInput {
	reg := ucx.Today().AddDays(-40)
	km := 120
	return &ucx.ApplicationInput{
		Vehicle: ucx.VehicleDetails{VIN: v, Brand: "BYD", Model: "Seal", Energy: ucx.EnergyElectric, BatteryKWh: 82.5,
			RegistrationDate: reg, TransferDate: reg.AddDays(10), MileageKM: &km},
		Certificate: ucx.CertificateValues{Brand: "BYD", Model: "Seal", RegistrationDate: reg, TransferDate: reg.AddDays(10)},
		Destination: "RU", Buyer: "OOO Crash", ContractNumber: "HT-CRASH", InspectionReport: "CMA-1",
		Submit: true,
	}
}

// TestShutdown_SIGTERMFinishesTheRequestInFlightAndExitsZero starts `ucx
// serve` as a child process, begins a filing whose body arrives slowly,
// sends SIGTERM in the middle of it, and checks that the server stops
// accepting new connections at once, still answers the request in flight
// with 201 (and stores it), and exits 0 within --shutdown-timeout.
func TestShutdown_SIGTERMFinishesTheRequestInFlightAndExitsZero(t *testing.T) {
	if testing.Short() {
		t.Skip("child-process test skipped in -short mode")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "term.db")
	db, err := sqlstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	world, err := demo.Seed(ctx, db, 1)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	cred, _ := world.Login("huayun-export")
	child, url := startChild(t, path, "--shutdown-timeout", "5s")
	addr := strings.TrimPrefix(url, "http://")

	b := []byte("LGXTERM000T000001")
	d, _ := vin.CheckDigit(string(b))
	b[8] = d
	body, _ := json.Marshal(crashApplication(string(b)))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/applications HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		addr, cred.Token, len(body))
	conn.Write(body[:len(body)/2])
	// The server has the headers when the request is in flight: the scrape
	// and the filing.
	for deadline := time.Now().Add(10 * time.Second); inFlight(t, url) < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the filing never got in flight")
		}
	}

	start := time.Now()
	child.Process.Signal(syscall.SIGTERM)
	refused := false
	for i := 0; i < 50 && !refused; i++ {
		time.Sleep(20 * time.Millisecond)
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err != nil {
			refused = true
		} else {
			c.Close()
		}
	}
	if !refused {
		t.Error("the server still accepted connections a second after SIGTERM")
	}
	conn.Write(body[len(body)/2:])
	resp, err := nethttp.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("the request in flight was answered %d, want 201", resp.StatusCode)
	}
	err = child.Wait()
	if err != nil || child.ProcessState.ExitCode() != 0 {
		t.Fatalf("ucx serve after SIGTERM: %v (exit %d), want exit 0", err, child.ProcessState.ExitCode())
	}
	took := time.Since(start)

	db, err = sqlstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := principalOf(t, db, "huayun-export", world)
	apps, n, err := db.FindApplications(ctx, p, ucx.ApplicationFilter{VIN: string(b), Limit: 10})
	if err != nil || n != 1 || apps[0].Vehicle.VIN != string(b) {
		t.Fatalf("the application answered 201 during shutdown is not in the store: %d found, %v", n, err)
	}
	t.Logf("SIGTERM: in-flight request answered 201, new connections refused, exit 0 after %s", took.Round(time.Millisecond))
}

// TestCrash_ImportRunningAtSIGKILLFinishesAfterRestart starts an import of
// many rows, kills the server with SIGKILL while it runs, and restarts it:
// the restarted server reclaims the import once its lease has lapsed (the
// test ages the dead worker's heartbeat rather than wait the 30 s) and
// finishes it, every row filed exactly once.
func TestCrash_ImportRunningAtSIGKILLFinishesAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	t.Run("sqlite", func(t *testing.T) { importCrashTest(t, filepath.Join(t.TempDir(), "import.db"), 20000) })
	t.Run("postgres", func(t *testing.T) {
		sqlstoretest.SkipWithoutPostgres(t)
		importCrashTest(t, sqlstoretest.FreshPostgres(t), 30000)
	})
}

func importCrashTest(t *testing.T, path string, rows int) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	world, err := demo.Seed(ctx, db, 1)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	cred, _ := world.Login("huayun-export")
	logKey := filepath.Join(t.TempDir(), "log.key") // not in the working directory

	var csv strings.Builder
	csv.WriteString("vin,brand,model,registration_date,transfer_date,destination,cert_brand,cert_model,cert_registration_date,cert_transfer_date,inspection_report,buyer,contract_number,energy_type,battery_kwh,submit\n")
	reg := ucx.Today().AddDays(-400)
	for i := range rows {
		b := []byte(fmt.Sprintf("LGXBULKS0T%07d", i))
		d, _ := vin.CheckDigit(string(b))
		b[8] = d
		fmt.Fprintf(&csv, "%s,BYD,Seal,%s,%s,ru,BYD,Seal,%s,%s,CMA-1,OOO Avto,HT-1,battery_electric,82.5,\n", b, reg, reg.AddDays(10), reg, reg.AddDays(10))
	}

	child, url := startChild(t, path, "--log-key", logKey)
	api := client.New(url, cred.Token)
	im, err := api.StartImport(ctx, nil, "cars.csv", []byte(csv.String()))
	if err != nil {
		child.Process.Kill()
		child.Wait()
		t.Fatal(err)
	}
	// Kill the server once the import has filed a batch but not all.
	for deadline := time.Now().Add(30 * time.Second); ; {
		got, err := api.FindImportByID(ctx, nil, im.ID)
		if err == nil && got.State == ucx.ImportRunning && got.Processed > 0 {
			break
		}
		if err == nil && got.State != ucx.ImportQueued && got.State != ucx.ImportRunning || time.Now().After(deadline) {
			child.Process.Kill()
			child.Wait()
			t.Fatalf("the import was not caught mid-way: %+v, %v", got, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()

	// The dead worker's import is running; make its lease lapse.
	driver := "sqlite3"
	if strings.HasPrefix(path, "postgres") {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, path)
	if err != nil {
		t.Fatal(err)
	}
	var state string
	var processed int
	if err := raw.QueryRow("SELECT state, processed FROM imports WHERE id = $1", im.ID).Scan(&state, &processed); err != nil {
		t.Fatal(err)
	}
	if state != string(ucx.ImportRunning) || processed == 0 || processed == rows {
		t.Fatalf("after SIGKILL the import is %s with %d of %d rows processed; want running part-way", state, processed, rows)
	}
	if _, err := raw.Exec("UPDATE imports SET heartbeat_at = heartbeat_at - $1 WHERE id = $2", time.Hour.Microseconds(), im.ID); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	child, url = startChild(t, path, "--log-key", logKey)
	defer func() {
		child.Process.Signal(syscall.SIGTERM)
		child.Wait()
	}()
	api = client.New(url, cred.Token)
	var got *ucx.Import
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if got, err = api.FindImportByID(ctx, nil, im.ID); err == nil && got.State == ucx.ImportDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import did not finish after the restart: %+v, %v", got, err)
		}
	}
	if got.Total != rows || got.Processed != rows || got.Filed != rows || got.Rejected != 0 {
		rs, _ := api.ImportRows(ctx, nil, im.ID, 0, 1)
		t.Fatalf("resumed import = %+v; want all %d rows filed once; first row %+v", got, rows, rs[0])
	}
	n := 0
	for offset := 0; ; offset += 500 {
		page, err := api.ImportRows(ctx, nil, im.ID, offset, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			if r.Status != sqlstore.RowFiled || r.Row != n+1 {
				t.Fatalf("row %d: %+v; want row %d filed", n, r, n+1)
			}
			n++
		}
		if len(page) < 500 {
			break
		}
	}
	if n != rows {
		t.Fatalf("%d import rows, want %d", n, rows)
	}
	t.Logf("import killed at %d of %d rows, finished after restart", processed, rows)
}

// inFlight reads ucx_http_requests_in_flight from the server's /metrics
// (the scrape itself counts); -1 when it cannot.
func inFlight(t *testing.T, url string) int {
	t.Helper()
	resp, err := nethttp.Get(url + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "ucx_http_requests_in_flight "); ok {
			n, err := strconv.Atoi(v)
			if err == nil {
				return n
			}
		}
	}
	return -1
}
