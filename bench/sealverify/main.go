// Command sealverify is the ucx side of bench/openattestation: the peer
// comparison of offline verification throughput.
//
//	sealverify -gen -n 2000 -o docs.jsonl   # write N licence documents, one per line
//	sealverify -docs docs.jsonl             # seal them (Ed25519), verify on one core
//
// The documents are shaped like the licence of seal's BenchmarkVerify
// (seal/world_test.go, sampleLicence(9): nine vehicles, about 2 KB); only
// the licence number differs from one to the next. The open-attestation
// script reads the same file, so both sides check the same documents.
//
// Verification runs with GOMAXPROCS=1 from the envelope's bytes: parsing,
// canonical check, digest, key lookup, Ed25519 and the three verdicts
// (TrustList.Verify, the trust list parsed once, as a verifier holds it).
// A second figure includes parsing and checking the sealed trust list
// for every document as well (seal.Verify).
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"

	"github.com/ucxdev/ucx/seal"
)

// The licence of seal/world_test.go, fields in canonical order.
type licence struct {
	Authority     party     `json:"authority"`
	Confirmations []string  `json:"confirmations"`
	Destination   string    `json:"destination"`
	Exporter      party     `json:"exporter"`
	IssuedOn      string    `json:"issued_on"`
	Number        string    `json:"number"`
	Schedule      []vehicle `json:"schedule"`
	Type          string    `json:"type"`
	ValidUntil    string    `json:"valid_until"`
}

type party struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Region string `json:"region"`
}

type vehicle struct {
	Brand            string `json:"brand"`
	MileageKM        int    `json:"mileage_km"`
	Model            string `json:"model"`
	RegistrationDate string `json:"registration_date"`
	TransferDate     string `json:"transfer_date"`
	VIN              string `json:"vin"`
}

// sampleLicence is seal's sampleLicence(n) with licence number k.
func sampleLicence(n, k int) *licence {
	l := &licence{
		Authority:     party{ID: "auth-gd", Name: "广东省商务厅", Region: "广东省"},
		Confirmations: []string{seal.DigestOf([]byte("confirmation 1")).String(), seal.DigestOf([]byte("confirmation 2")).String()},
		Destination:   "KZ",
		Exporter:      party{ID: "exp-91440300MA5F", Name: "深圳市前海二手车出口贸易有限公司", Region: "深圳市"},
		IssuedOn:      "2026-03-01",
		Number:        fmt.Sprintf("26-GD-ESC-%06d", k),
		Type:          "ucx.licence/v1",
		ValidUntil:    "2026-08-31",
	}
	for i := range n {
		l.Schedule = append(l.Schedule, vehicle{
			Brand:            "比亚迪",
			MileageKM:        1200 + 37*i,
			Model:            "BYD7005BEV 宋PLUS EV",
			RegistrationDate: "2025-11-0" + fmt.Sprint(1+i%9),
			TransferDate:     "2026-02-1" + fmt.Sprint(i%9),
			VIN:              fmt.Sprintf("LGXCE4CB%dN00%04d", i%10, 1000+i),
		})
	}
	return l
}

func main() {
	gen := flag.Bool("gen", false, "write -n licence documents to -o and exit")
	n := flag.Int("n", 2000, "documents to generate")
	out := flag.String("o", "docs.jsonl", "where -gen writes")
	docs := flag.String("docs", "docs.jsonl", "documents to seal and verify, one canonical JSON object a line")
	rounds := flag.Int("rounds", 3, "timed passes over all documents (after one warm-up pass); the median counts")
	flag.Parse()
	if err := run(*gen, *n, *out, *docs, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "sealverify:", err)
		os.Exit(1)
	}
}

func run(gen bool, n int, out, docsFile string, rounds int) error {
	if gen {
		var buf bytes.Buffer
		for k := range n {
			b, err := seal.Marshal(sampleLicence(9, k+1))
			if err != nil {
				return err
			}
			buf.Write(b)
			buf.WriteByte('\n')
		}
		return os.WriteFile(out, buf.Bytes(), 0o644)
	}

	var docs [][]byte
	f, err := os.Open(docsFile)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		docs = append(docs, bytes.Clone(sc.Bytes()))
	}
	f.Close()
	if err := sc.Err(); err != nil {
		return err
	}
	if len(docs) == 0 {
		return fmt.Errorf("no documents in %s", docsFile)
	}

	// A platform in miniature: a root, a trust list, the issuer's Ed25519 key.
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	root, err := seal.GenerateKey(seal.Ed25519)
	if err != nil {
		return err
	}
	key, err := seal.GenerateKey(seal.Ed25519)
	if err != nil {
		return err
	}
	tl := &seal.TrustList{IssuedAt: t0, Sequence: 1, Keys: []seal.TrustedKey{
		seal.NewTrustedKey(key.Public(), seal.Org{ID: "auth-gd", Kind: "authority", Name: "广东省商务厅"},
			time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)),
	}}
	listFile, err := tl.Seal(root, t0)
	if err != nil {
		return err
	}
	list, err := seal.ParseTrustList(listFile, root.Public())
	if err != nil {
		return err
	}

	envs := make([][]byte, len(docs))
	var docBytes, envBytes int
	for i, d := range docs {
		if err := seal.CheckCanonical(d); err != nil {
			return fmt.Errorf("document %d: %w", i+1, err)
		}
		e := seal.Envelope{Document: d}
		if err := e.Sign(key, "auth-gd", t0); err != nil {
			return err
		}
		if envs[i], err = e.Marshal(); err != nil {
			return err
		}
		docBytes += len(d)
		envBytes += len(envs[i])
	}

	runtime.GOMAXPROCS(1)
	opts := seal.Options{RequireOrgs: []string{"auth-gd"}}
	pass := func(full bool) (time.Duration, error) {
		start := time.Now()
		for i, e := range envs {
			var r *seal.Report
			if full {
				r = seal.Verify(e, listFile, root.Public(), opts)
			} else {
				r = list.Verify(e, opts)
			}
			if !r.OK() {
				return 0, fmt.Errorf("document %d does not verify: %s", i+1, r.Reason())
			}
		}
		return time.Since(start), nil
	}
	median := func(full bool) (float64, error) {
		if _, err := pass(full); err != nil { // warm-up
			return 0, err
		}
		var ds []time.Duration
		for range max(rounds, 1) {
			d, err := pass(full)
			if err != nil {
				return 0, err
			}
			ds = append(ds, d)
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return float64(len(envs)) / ds[len(ds)/2].Seconds(), nil
	}
	perDoc, err := median(false)
	if err != nil {
		return err
	}
	withList, err := median(true)
	if err != nil {
		return err
	}
	fmt.Printf("ucx: %d documents, document %d B, envelope %d B on average; GOMAXPROCS=%d, %s\n",
		len(envs), docBytes/len(envs), envBytes/len(envs), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Printf("ucx TrustList.Verify (envelope bytes -> report, Ed25519): %.0f documents/s\n", perDoc)
	fmt.Printf("ucx seal.Verify (also parses and checks the sealed trust list each time): %.0f documents/s\n", withList)
	fmt.Printf("UCX_DOCS_PER_S=%.0f\n", perDoc)
	fmt.Printf("UCX_FULL_DOCS_PER_S=%.0f\n", withList)
	return nil
}
