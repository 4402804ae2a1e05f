package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/policy"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
	"github.com/ucxdev/ucx/vin"
)

// benchServer is a real server on a loopback port with one exporter, and a
// client signed in as its member whose transport keeps enough connections
// for every goroutine. Its store is a SQLite file (WAL, as `ucx serve`
// runs it), or on PostgreSQL a fresh schema of UCX_TEST_POSTGRES.
func benchServer(b *testing.B, engine sqlstore.Engine) (*client.Client, *sqlstore.DB) {
	b.Helper()
	ctx := context.Background()
	dsn := filepath.Join(b.TempDir(), "bench.db")
	if engine == sqlstore.Postgres {
		dsn = sqlstoretest.FreshPostgres(b)
	}
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	db.Now = func() time.Time { return webtest.TestNow }
	o := &ucx.Org{Kind: ucx.KindExporter, Name: "基准出口有限公司", Region: "广东", FilingNumber: "GD-1", FilingExpires: webtest.Today.AddDays(300)}
	if err := db.Bootstrap(ctx, o, &ucx.User{Username: "bench.member", Role: ucx.RoleMember}, webtest.Password); err != nil {
		b.Fatal(err)
	}
	s := ucxhttp.NewServer()
	s.OrgService, s.ApplicationService, s.RequestService, s.LicenceService = db, db, db, db
	s.Policy = policy.Default()
	s.Logger = webtest.DiscardLogger()
	ts := httptest.NewServer(s.Handler())
	b.Cleanup(ts.Close)

	c := client.New(ts.URL, "")
	c.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute,
		DisableCompression: true}} // the API answers uncompressed JSON: no need to ask for gzip
	if _, err := c.Authenticate(ctx, "bench.member", webtest.Password); err != nil {
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
	reg := webtest.OldReg
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

// filer is one load-generating goroutine's HTTP client, doing what a load
// generator such as wrk or vegeta does over the same keep-alive loopback
// connections: it encodes each application as JSON into a buffer of its
// own, POSTs it with the bearer token, and reads the answer into another,
// checking its status and that it is an application without decoding it
// into Go values. (The Go client, which decodes every answer into a
// ucx.Application, has a benchmark of its own.) It sends through the
// transport, with no redirects to follow, and reuses its buffers, URL and
// headers from one request to the next.
type filer struct {
	rt     http.RoundTripper
	url    *url.URL
	header http.Header
	out    bytes.Buffer
	enc    *json.Encoder
	body   requestBody
	answer bytes.Buffer
}

// requestBody is a filer's request body: a reader over its encoded
// application, closed by the transport as any body is.
type requestBody struct{ bytes.Reader }

func (*requestBody) Close() error { return nil }

// newFiler returns a filer sending with c's transport and token.
func newFiler(c *client.Client) *filer {
	u, err := url.Parse(c.URL + "/api/v1/applications")
	if err != nil {
		panic(err)
	}
	f := &filer{rt: c.HTTPClient.Transport, url: u, header: http.Header{
		"Content-Type":  {"application/json"},
		"Authorization": {"Bearer " + c.Token()},
	}}
	f.enc = json.NewEncoder(&f.out)
	return f
}

// file files in and returns an error unless the server answered 201 with
// an application. The request's buffer is reused only after the answer:
// the server reads the whole body before it answers.
func (f *filer) file(in *ucx.ApplicationInput) error {
	f.out.Reset()
	if err := f.enc.Encode(in); err != nil {
		return err
	}
	f.body.Reset(f.out.Bytes())
	req := &http.Request{Method: http.MethodPost, URL: f.url, Host: f.url.Host, Header: f.header,
		Body: &f.body, ContentLength: int64(f.out.Len())}
	resp, err := f.rt.RoundTrip(req)
	if err != nil {
		return err
	}
	f.answer.Reset()
	_, err = f.answer.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated || !bytes.HasPrefix(f.answer.Bytes(), []byte(`{"id":`)) {
		return fmt.Errorf("the server answered %d: %.300s", resp.StatusCode, f.answer.Bytes())
	}
	return nil
}

// BenchmarkFileApplication files applications over HTTP on loopback with
// parallel clients (GOMAXPROCS × -cpu × benchParallelism goroutines), each
// request a full POST /api/v1/applications: token check, strict decoding,
// validation, the policy, one store transaction with its audit event, and
// the JSON answer. The clients are filers (lean, as a load generator is);
// the CPU they use is in the figure. It reports applications a second,
// the process's CPU per application and the latency quantiles. It runs on
// SQLite, and on PostgreSQL when UCX_TEST_POSTGRES holds a DSN (whose
// server's CPU, on the same machine, is not in cpu-us/app).
func BenchmarkFileApplication(b *testing.B) {
	benchEngines(b, func(b *testing.B, engine sqlstore.Engine) {
		c, _ := benchServer(b, engine)
		benchFilings(b, func() fileFunc { return newFiler(c).file })
	})
}

// benchEngines runs fn as the sub-benchmarks sqlite and postgres, the
// second only when UCX_TEST_POSTGRES holds a DSN.
func benchEngines(b *testing.B, fn func(b *testing.B, engine sqlstore.Engine)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, sqlstore.SQLite) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv("UCX_TEST_POSTGRES") == "" {
			b.Skip("set UCX_TEST_POSTGRES to a DSN to run it")
		}
		fn(b, sqlstore.Postgres)
	})
}

// BenchmarkFileApplicationGoClient is BenchmarkFileApplication through the
// Go client (client.Client, as the CLI files), which also decodes every
// answer into a ucx.Application.
func BenchmarkFileApplicationGoClient(b *testing.B) {
	c, _ := benchServer(b, sqlstore.SQLite)
	ctx := context.Background()
	benchFilings(b, func() fileFunc {
		return func(in *ucx.ApplicationInput) error {
			_, _, err := c.CreateApplication(ctx, nil, in, ucx.CreateOptions{})
			return err
		}
	})
}

// fileFunc files one application.
type fileFunc func(in *ucx.ApplicationInput) error

// benchParallelism is how many filing goroutines a benchmark runs per
// GOMAXPROCS (32 on 2 cores): about as many requests in flight as 10,000
// filings a second with a few milliseconds each keep open, so that the
// store's commit groups (group.go) are as large as under that load. With
// 8 a group held about 6 filings and cost some 12 µs more CPU per filing.
const benchParallelism = 16

// benchFilings files b.N applications from parallel goroutines, each with
// the client newClient returns, and reports the rate, the CPU per
// application and the latency quantiles.
func benchFilings(b *testing.B, newClient func() fileFunc) {
	var seq atomic.Int64
	var lat latencies
	var failed atomic.Int64
	b.SetParallelism(benchParallelism)
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		file := newClient()
		local := make([]time.Duration, 0, 1024)
		for pb.Next() {
			in := benchInput(seq.Add(1))
			t0 := time.Now()
			err := file(in)
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
// goes. It runs on both engines, as BenchmarkFileApplication does.
func BenchmarkFileApplicationStoreOnly(b *testing.B) {
	benchEngines(b, benchStoreOnly)
}

func benchStoreOnly(b *testing.B, engine sqlstore.Engine) {
	_, db := benchServer(b, engine)
	ctx := context.Background()
	p, err := db.Authenticate(ctx, "bench.member", webtest.Password)
	if err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	b.SetParallelism(benchParallelism)
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
	c, _ := benchServer(b, sqlstore.SQLite)
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
			f := newFiler(c)
			local := make([]time.Duration, 0, 256)
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					break
				}
				due := start.Add(time.Duration(i) * interval)
				time.Sleep(time.Until(due))
				if err := f.file(benchInput(i + 1)); err != nil {
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

// BenchmarkVerifyPageAtRate drives the public /verify page at a fixed
// rate (UCX_BENCH_RATE a second, default 200), as a QR code's readers
// would, on a server with a real store (a SQLite file, WAL, as ucx serve
// runs it), sealing, the transparency log and WebVerify wired as
// cmd/ucx wires them, and one issued licence: "digest" is GET
// /verify?digest=… (the bundle built with its log proof, then
// Server.Verify), "upload" a POST of the licence's bundle as a file.
// Latency is measured from each request's scheduled time (no coordinated
// omission). b.N requests are sent; use -benchtime Nx.
func BenchmarkVerifyPageAtRate(b *testing.B) {
	rate := 200.0
	if s := os.Getenv("UCX_BENCH_RATE"); s != "" {
		if r, err := strconv.ParseFloat(s, 64); err == nil && r > 0 {
			rate = r
		}
	}
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	db.Now = func() time.Time { return webtest.TestNow }
	w := webtest.NewWorld(b, db)
	w.Server.Logger = webtest.DiscardLogger()
	integrate, _ := webtest.WithLog(b, w, 0)
	lic := w.Licensed()
	integrate()
	d := webtest.DocOf(b, w, ucx.DocLicence, lic.ID)
	bundleJSON := webtest.MarshalBundle(b, w.BundleOf(b, d.Digest))
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "licence.bundle.json")
	fw.Write(bundleJSON)
	mw.Close()
	rt := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute, DisableCompression: true}
	b.Cleanup(rt.CloseIdleConnections)

	requests := map[string]func() *http.Request{
		"digest": func() *http.Request {
			req, _ := http.NewRequest("GET", w.TS.URL+"/verify?digest="+url.QueryEscape(d.Digest)+"&lang=ru", nil)
			return req
		},
		"upload": func() *http.Request {
			req, _ := http.NewRequest("POST", w.TS.URL+"/verify", bytes.NewReader(form.Bytes()))
			req.Header.Set("Content-Type", mw.FormDataContentType())
			return req
		},
	}
	for _, name := range []string{"digest", "upload"} {
		newReq := requests[name]
		b.Run(name, func(b *testing.B) {
			var next, failed atomic.Int64
			var lat latencies
			interval := time.Duration(float64(time.Second) / rate)
			b.ResetTimer()
			start, cpu0 := time.Now(), cpuTime()
			var wg sync.WaitGroup
			for g := 0; g < 64; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					local := make([]time.Duration, 0, 256)
					var answer bytes.Buffer
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							break
						}
						due := start.Add(time.Duration(i) * interval)
						time.Sleep(time.Until(due))
						resp, err := rt.RoundTrip(newReq())
						if err == nil {
							answer.Reset()
							_, err = answer.ReadFrom(resp.Body)
							resp.Body.Close()
							if resp.StatusCode != 200 || !bytes.Contains(answer.Bytes(), []byte(`data-verdict="valid"`)) {
								err = fmt.Errorf("%d", resp.StatusCode)
							}
						}
						if err != nil {
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
				b.Fatalf("%d of %d requests failed", n, b.N)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-us/req")
			b.ReportMetric(float64(lat.quantile(0.50).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat.quantile(0.99).Microseconds())/1000, "p99-ms")
		})
	}
}
