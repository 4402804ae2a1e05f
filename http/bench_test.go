package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/policy"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/vin"
)

// benchServer is a real server on a loopback port over a SQLite file (WAL,
// as `ucx serve` runs it) with one exporter, and a client signed in as its
// member whose transport keeps enough connections for every goroutine.
func benchServer(b *testing.B) (*ucxhttp.Client, *sqlstore.DB) {
	b.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	db.Now = func() time.Time { return testNow }
	o := &ucx.Org{Kind: ucx.KindExporter, Name: "基准出口有限公司", FilingNumber: "GD-1", FilingExpires: today.AddDays(300)}
	if err := db.Bootstrap(ctx, o, &ucx.User{Username: "bench.member", Role: ucx.RoleMember}, testPassword); err != nil {
		b.Fatal(err)
	}
	s := ucxhttp.NewServer()
	s.OrgService, s.ApplicationService = db, db
	s.Policy = policy.Default()
	s.Logger = discardLogger()
	ts := httptest.NewServer(s.Handler())
	b.Cleanup(ts.Close)

	c := ucxhttp.NewClient(ts.URL, "")
	c.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}}
	if _, err := c.Authenticate(ctx, "bench.member", testPassword); err != nil {
		b.Fatal(err)
	}
	return c, db
}

// benchInput returns a valid application for the n-th car: a distinct VIN
// with a correct check digit, registered long enough ago to need no letter.
func benchInput(n int64) *ucx.ApplicationInput {
	v := fmt.Sprintf("LM1ABCDE0%08d", n)
	d, _ := vin.CheckDigit(v)
	v = v[:8] + string(d) + v[9:]
	reg := oldReg
	return &ucx.ApplicationInput{
		Vehicle: ucx.VehicleDetails{VIN: v, Brand: "Testa", Model: "T1", Energy: ucx.EnergyPetrol,
			RegistrationDate: reg, TransferDate: reg.AddDays(20)},
		Certificate: ucx.CertificateValues{Brand: "Testa", Model: "T1", RegistrationDate: reg, TransferDate: reg.AddDays(20)},
		Destination: "KZ", Buyer: "TOO Avto", ContractNumber: "C-1", InspectionReport: "CMA-1",
	}
}

// latencies collects request durations from many goroutines.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d...)
	l.mu.Unlock()
}

func (l *latencies) quantile(q float64) time.Duration {
	if len(l.d) == 0 {
		return 0
	}
	sort.Slice(l.d, func(i, j int) bool { return l.d[i] < l.d[j] })
	return l.d[int(q*float64(len(l.d)-1))]
}

// BenchmarkFileApplication files applications over HTTP on loopback with
// parallel clients (GOMAXPROCS × -cpu × 8 goroutines), each request a full
// POST /api/v1/applications: token check, strict decoding, validation, the
// policy, one SQLite transaction with its audit event, and the JSON answer.
// It reports applications a second and the latency quantiles.
func BenchmarkFileApplication(b *testing.B) {
	c, _ := benchServer(b)
	ctx := context.Background()
	var seq atomic.Int64
	var lat latencies
	var failed atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 1024)
		for pb.Next() {
			in := benchInput(seq.Add(1))
			t0 := time.Now()
			_, _, err := c.CreateApplication(ctx, nil, in, ucx.CreateOptions{})
			local = append(local, time.Since(t0))
			if err != nil {
				failed.Add(1)
				b.Error(err)
				return
			}
		}
		lat.add(local)
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if failed.Load() > 0 {
		return
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "apps/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-us/app")
	b.ReportMetric(float64(lat.quantile(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat.quantile(0.99).Microseconds())/1000, "p99-ms")
}

// BenchmarkFileApplicationStoreOnly files the same applications by calling
// the store directly, with the same parallelism: the ceiling the HTTP
// layer works under, so that the two figures together say where the time
// goes.
func BenchmarkFileApplicationStoreOnly(b *testing.B) {
	_, db := benchServer(b)
	ctx := context.Background()
	p, err := db.Authenticate(ctx, "bench.member", testPassword)
	if err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := db.CreateApplication(ctx, p, benchInput(seq.Add(1)), ucx.CreateOptions{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "apps/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-us/app")
}

// BenchmarkFileApplicationAtRate files applications at a fixed arrival
// rate (UCX_BENCH_RATE a second, default 1000) rather than as fast as
// possible, and reports the latency quantiles measured from each request's
// scheduled time, so that a stalled server cannot hide its queue
// (coordinated omission). b.N requests are sent; use -benchtime Nx.
func BenchmarkFileApplicationAtRate(b *testing.B) {
	rate := 1000.0
	if s := os.Getenv("UCX_BENCH_RATE"); s != "" {
		if r, err := strconv.ParseFloat(s, 64); err == nil && r > 0 {
			rate = r
		}
	}
	c, _ := benchServer(b)
	ctx := context.Background()
	var next atomic.Int64
	var lat latencies
	var failed atomic.Int64
	interval := time.Duration(float64(time.Second) / rate)
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	var wg sync.WaitGroup
	for g := 0; g < 128; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 256)
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					break
				}
				due := start.Add(time.Duration(i) * interval)
				time.Sleep(time.Until(due))
				if _, _, err := c.CreateApplication(ctx, nil, benchInput(i+1), ucx.CreateOptions{}); err != nil {
					failed.Add(1)
				}
				local = append(local, time.Since(due))
			}
			lat.add(local)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "apps/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-us/app")
	b.ReportMetric(float64(lat.quantile(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat.quantile(0.99).Microseconds())/1000, "p99-ms")
}

// cpuTime is the CPU time the process has used, user and system: with
// other work on the machine, CPU per filing is steadier than the rate.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
