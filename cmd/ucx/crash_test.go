package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	nethttp "net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/demo"
	"github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/sqlstore"
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
func TestCrash_AcknowledgedApplicationsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	rounds := 3
	if s := os.Getenv("UCX_CRASH_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crash.db")

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
		child, url := startChild(t, path)
		client := http.NewClient(url, cred.Token)
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
					app, _, err := client.CreateApplication(ctx, nil, in, ucx.CreateOptions{})
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
	t.Logf("crash test: %d SIGKILL rounds, %d applications acknowledged, %d requests failed during kills, %d acknowledged missing, %d in store for the exporter",
		rounds, len(acked), failed, missing, total)
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
// loopback port and waits until /healthz answers.
func startChild(t *testing.T, path string) (*exec.Cmd, string) {
	t.Helper()
	addr := freeAddr(t)
	args, _ := json.Marshal([]string{"serve", "--db", path, "--addr", addr})
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
