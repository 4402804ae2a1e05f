package main

// Witnesses of the transparency log (C2SP tlog-witness and
// tlog-cosignature): `ucx witness keygen` and `ucx witness serve`, which an
// independent party runs (an industry association, a foreign customs
// service), and the log's side in `ucx serve --witness`, which hands each
// new checkpoint to every witness with a consistency proof and stores the
// cosignatures they return. The checks are tlog.Witness's; this file is
// the transport, the key and state files, and the flags.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	nethttp "net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/tlog"
)

// witnessNameHeader is the PEM header of a witness key file naming the
// witness, so that the name (part of its public key) travels with the key.
const witnessNameHeader = "Witness-Name"

// maxAddCheckpointBody bounds an add-checkpoint request body.
const maxAddCheckpointBody = tlog.MaxNoteSize + (tlog.MaxConsistencyProof+2)*64

func newWitnessCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "witness",
		Short: "run an independent witness that cosigns the log's checkpoints (C2SP tlog-witness)",
		Long: `A witness is a party other than the platform's operator — an industry
association, a foreign customs service — that keeps the last checkpoint of the
log it cosigned and cosigns a new one only when the log proves it extends that
one. A verifier that requires witnesses' cosignatures (ucx verify --witness
KEY --min-witnesses N) is then never shown a rewritten or forked history that
the witnesses did not see. See docs/operations.md, "Witnesses".`,
	}
	cmd.AddCommand(newWitnessKeygenCmd(), newWitnessServeCmd())
	return cmd
}

func newWitnessKeygenCmd() *cobra.Command {
	var name, out string
	cmd := &cobra.Command{
		Use:   "keygen --name NAME --out PREFIX",
		Short: "make a witness key: PREFIX.key (private, 0600) and PREFIX.vkey (its public key to publish)",
		Long: `keygen makes the witness's Ed25519 key. NAME identifies the witness in every
cosignature, as a schema-less URL (e.g. witness.example.org/ucx); it is part
of the public key, so choose it for good. PREFIX.key stays on the witness's
machine; PREFIX.vkey, also printed, is what the witness's operator gives the
log's operator (ucx serve --witness) and publishes to verifiers.`,
		Example: "  ucx witness keygen --name witness.cnada.example/ucx --out cnada-witness",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" || out == "" {
				return usageErr(errors.New("--name and --out are required"))
			}
			_, key, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return err
			}
			vkey, err := tlog.CosignerVerifierKey(name, key.Public().(ed25519.PublicKey))
			if err != nil {
				return usageErr(fmt.Errorf("--name: %s", ucx.ErrorMessage(err)))
			}
			der, err := x509.MarshalPKCS8PrivateKey(key)
			if err != nil {
				return err
			}
			block := &pem.Block{Type: "PRIVATE KEY", Headers: map[string]string{witnessNameHeader: name}, Bytes: der}
			if err := writeNew(out+".key", pem.EncodeToMemory(block), 0o600); err != nil {
				return usageErr(err)
			}
			if err := writeNew(out+".vkey", []byte(vkey+"\n"), 0o644); err != nil {
				return usageErr(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), vkey)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the witness's name, a schema-less URL such as witness.example.org/ucx")
	cmd.Flags().StringVar(&out, "out", "", "file prefix: writes PREFIX.key and PREFIX.vkey (never overwrites)")
	return cmd
}

// loadWitnessKey reads a key file written by `ucx witness keygen`.
func loadWitnessKey(path string) (note.Signer, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", usageErr(fmt.Errorf("--key: %w", err))
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" || block.Headers[witnessNameHeader] == "" {
		return nil, "", usageErr(fmt.Errorf("--key %s: not a witness key (a PKCS #8 PEM key with a %s header, as ucx witness keygen writes)", path, witnessNameHeader))
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	ek, ok := k.(ed25519.PrivateKey)
	if err != nil || !ok {
		return nil, "", usageErr(fmt.Errorf("--key %s: not an Ed25519 key", path))
	}
	name := block.Headers[witnessNameHeader]
	s, err := tlog.NewCosigner(name, ek, nil)
	if err != nil {
		return nil, "", usageErr(fmt.Errorf("--key %s: %s", path, ucx.ErrorMessage(err)))
	}
	vkey, err := tlog.CosignerVerifierKey(name, ek.Public().(ed25519.PublicKey))
	return s, vkey, err
}

// keyArg reads a key given on the command line or in a file holding it.
func keyArg(v string) string {
	if b, err := os.ReadFile(v); err == nil {
		return strings.TrimSpace(string(b))
	}
	return strings.TrimSpace(v)
}

// loadWitnessState reads the witness's state file; a missing one is a new
// witness.
func loadWitnessState(path string) (tlog.WitnessState, error) {
	var st tlog.WitnessState
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, usageErr(fmt.Errorf("--state: %w", err))
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, usageErr(fmt.Errorf("--state %s: not a witness state file: %v", path, err))
	}
	return st, nil
}

// saveWitnessState writes the state atomically and durably: a witness must
// not forget a checkpoint it cosigned, or it could be led to cosign a fork.
func saveWitnessState(path string, st tlog.WitnessState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ucx-witness-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// openWitness makes the witness from its key, state file and the log keys
// it follows.
func openWitness(keyPath, statePath string, logKeys []string) (*tlog.Witness, string, error) {
	if keyPath == "" || statePath == "" {
		return nil, "", usageErr(errors.New("--key and --state are required"))
	}
	signer, vkey, err := loadWitnessKey(keyPath)
	if err != nil {
		return nil, "", err
	}
	st, err := loadWitnessState(statePath)
	if err != nil {
		return nil, "", err
	}
	keys := make([]string, len(logKeys))
	for i, k := range logKeys {
		keys[i] = keyArg(k)
	}
	if len(keys) == 0 && len(st.Logs) == 0 {
		return nil, "", usageErr(errors.New("--log is required: the verifier key of each log this witness follows"))
	}
	w, err := tlog.NewWitness(signer, st, keys, func(st tlog.WitnessState) error { return saveWitnessState(statePath, st) })
	if err != nil {
		return nil, "", usageErr(fmt.Errorf("--log: %s", ucx.ErrorMessage(err)))
	}
	return w, vkey, nil
}

// witnessHandler serves the C2SP tlog-witness protocol: POST
// /add-checkpoint, answering 200 with the cosignature line, 400 a malformed
// request, 403 a bad signature, 404 an unknown log, 409 a wrong old size
// (body: the last cosigned size, text/x.tlog.size) or a fork, 422 an
// inconsistent history. Refusals are logged: they may be evidence of a log
// misbehaving.
func witnessHandler(w *tlog.Witness, logger *slog.Logger) nethttp.Handler {
	mux := nethttp.NewServeMux()
	mux.HandleFunc("POST /add-checkpoint", func(rw nethttp.ResponseWriter, r *nethttp.Request) {
		body, err := io.ReadAll(nethttp.MaxBytesReader(rw, r.Body, maxAddCheckpointBody))
		if err != nil {
			nethttp.Error(rw, "request body too large or unreadable", nethttp.StatusBadRequest)
			return
		}
		req, err := tlog.ParseAddCheckpoint(body)
		if err != nil {
			nethttp.Error(rw, ucx.ErrorMessage(err), nethttp.StatusBadRequest)
			return
		}
		line, err := w.AddCheckpoint(req)
		var we *tlog.WitnessError
		switch {
		case errors.As(err, &we):
			status := map[tlog.Refusal]int{tlog.RefusedBadRequest: 400, tlog.RefusedUnknownLog: 404, tlog.RefusedSignature: 403,
				tlog.RefusedConflict: 409, tlog.RefusedFork: 409, tlog.RefusedInconsistent: 422}[we.Refusal]
			if we.Refusal == tlog.RefusedFork || we.Refusal == tlog.RefusedInconsistent {
				logger.Error("witness refused a checkpoint: the log's history was rewritten or forked", "finding", we.Msg, "request", string(body))
			} else {
				logger.Warn("witness refused a checkpoint", "reason", we.Msg)
			}
			if we.Refusal == tlog.RefusedConflict {
				rw.Header().Set("Content-Type", "text/x.tlog.size")
				rw.WriteHeader(status)
				fmt.Fprintf(rw, "%d\n", we.Size)
				return
			}
			nethttp.Error(rw, we.Msg, status)
		case err != nil:
			logger.Error("witness could not save its state; nothing cosigned", "err", err.Error())
			nethttp.Error(rw, "the witness cannot save its state", nethttp.StatusServiceUnavailable)
		default:
			rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
			rw.Write(line)
		}
	})
	return mux
}

func newWitnessServeCmd() *cobra.Command {
	var keyPath, statePath, addr string
	var logs []string
	cmd := &cobra.Command{
		Use:   "serve --key PREFIX.key --state FILE --log LOGKEY [--addr 127.0.0.1:8090]",
		Short: "serve POST /add-checkpoint: cosign each new checkpoint that extends the last one cosigned",
		Long: `serve runs the witness. The log (ucx serve --witness URL,KEY) posts each new
checkpoint to URL/add-checkpoint with a consistency proof from the last one this
witness cosigned; the witness checks the log's signature (--log, the log's
verifier key, or a file holding it; repeat for several logs), that the new tree
extends the one it cosigned, saves it in --state, and returns its cosignature.
It never cosigns two trees of one size, nor one that does not extend the last:
such a request is answered 409 or 422 and logged as evidence.`,
		Example: "  ucx witness serve --key cnada-witness.key --state cnada-witness.state --log ucx.example.cn/log+1a2b3c4d+AbC… --addr :8090",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w, vkey, err := openWitness(keyPath, statePath, logs)
			if err != nil {
				return err
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usageErr(fmt.Errorf("--addr %s: %w", addr, err))
			}
			srv := &nethttp.Server{Handler: witnessHandler(w, logger), ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(cmd.OutOrStdout(), "witness %s serving POST http://%s/add-checkpoint\n", vkey, ln.Addr())
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyPath, "key", "", "the witness's key file (ucx witness keygen)")
	f.StringVar(&statePath, "state", "", "file keeping the last checkpoint cosigned for each log; never lose it")
	f.StringArrayVar(&logs, "log", nil, "verifier key of a log to follow, or a file holding it (repeatable)")
	f.StringVar(&addr, "addr", "127.0.0.1:8090", "address to listen on")
	return cmd
}

// --- the log's side: ucx serve --witness ---

// remoteWitness is one witness the log asks for cosignatures.
type remoteWitness struct {
	url      string
	vkey     string
	verifier note.Verifier
	// known is the size the witness last said it cosigned (-1 not yet
	// asked); done is the size of the checkpoint it last cosigned for
	// this process.
	known, done int64
}

// parseWitnessFlag reads --witness URL,KEY.
func parseWitnessFlag(v string) (*remoteWitness, error) {
	i := strings.LastIndex(v, ",")
	if i < 0 {
		return nil, usageErr(fmt.Errorf("--witness %q: want URL,KEY (the witness's add-checkpoint prefix and its published key)", v))
	}
	u, k := strings.TrimSuffix(strings.TrimSpace(v[:i]), "/"), keyArg(v[i+1:])
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return nil, usageErr(fmt.Errorf("--witness %q: the URL must start with http:// or https://", v))
	}
	ver, err := tlog.ParseCosignerKey(k)
	if err != nil {
		return nil, usageErr(fmt.Errorf("--witness %q: %s", v, ucx.ErrorMessage(err)))
	}
	return &remoteWitness{url: u, vkey: k, verifier: ver, known: -1, done: -1}, nil
}

// witnessPusher hands the log's new checkpoints to its witnesses and
// stores their cosignatures.
type witnessPusher struct {
	db        *sqlstore.DB
	log       note.Verifier
	witnesses []*remoteWitness
	client    *nethttp.Client
	logger    *slog.Logger
}

// round offers the latest checkpoint to every witness that has not
// cosigned it yet, at once.
func (p *witnessPusher) round(ctx context.Context) {
	cp, err := p.db.LatestCheckpoint(ctx)
	if err != nil {
		return // no checkpoint yet, or the store is down (the integrator says so)
	}
	var wg sync.WaitGroup
	for _, w := range p.witnesses {
		if w.done >= cp.Size {
			continue
		}
		wg.Go(func() {
			if err := p.offer(ctx, w, cp); err != nil && ctx.Err() == nil {
				p.logger.Warn("witness did not cosign the log's checkpoint", "witness", w.verifier.Name(), "url", w.url, "size", cp.Size, "err", err.Error())
			}
		})
	}
	wg.Wait()
}

// offer runs the add-checkpoint exchange with one witness: a wrong old size
// is corrected from the witness's 409 and tried again, once.
func (p *witnessPusher) offer(ctx context.Context, w *remoteWitness, cp tlog.SignedCheckpoint) error {
	for attempt := 0; attempt < 3; attempt++ {
		old := max(w.known, 0)
		if old > cp.Size {
			w.done = cp.Size // the witness has a newer one already
			return nil
		}
		var proof [][]byte
		if old > 0 && old < cp.Size {
			var err error
			if proof, err = p.db.ConsistencyProof(ctx, old, cp.Size); err != nil {
				return err
			}
		}
		body := tlog.AddCheckpointRequest{OldSize: old, Proof: proof, Note: cp.Note}.Format()
		req, err := nethttp.NewRequestWithContext(ctx, "POST", w.url+"/add-checkpoint", bytes.NewReader(body))
		if err != nil {
			return err
		}
		resp, err := p.client.Do(req)
		if err != nil {
			return err
		}
		answer, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err != nil {
			return err
		}
		switch {
		case resp.StatusCode == nethttp.StatusConflict && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/x.tlog.size"):
			n, err := strconv.ParseInt(strings.TrimSpace(string(answer)), 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("409 with an unreadable size %q", answer)
			}
			if n == w.known && attempt > 0 {
				return fmt.Errorf("409 again for old size %d", n)
			}
			w.known = n
			continue
		case resp.StatusCode != nethttp.StatusOK:
			return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(answer)))
		}
		return p.store(ctx, w, cp, answer)
	}
	return errors.New("the witness's size kept changing")
}

// store checks the witness's answer against its key and keeps its line.
func (p *witnessPusher) store(ctx context.Context, w *remoteWitness, cp tlog.SignedCheckpoint, answer []byte) error {
	prefix := []byte("— " + w.verifier.Name() + " ")
	for _, line := range bytes.SplitAfter(answer, []byte("\n")) {
		if !bytes.HasPrefix(line, prefix) || !bytes.HasSuffix(line, []byte("\n")) {
			continue // C2SP: lines by other keys are ignored
		}
		if _, err := tlog.VerifyCheckpointCosigned(tlog.AddSignatures(cp.Note, line), p.log, []note.Verifier{w.verifier}, 1); err != nil {
			continue
		}
		if err := p.db.AddCosignature(ctx, cp.Size, line); err != nil {
			return err
		}
		w.known, w.done = cp.Size, cp.Size
		return nil
	}
	return fmt.Errorf("the answer holds no valid cosignature by %s", w.vkey)
}

// startWitnessing offers each new checkpoint to the witnesses every
// interval until ctx ends.
func (m *Main) startWitnessing(ctx context.Context, verifier note.Verifier) error {
	if len(m.Config.Witnesses) == 0 {
		return nil
	}
	p := &witnessPusher{db: m.DB, log: verifier, client: &nethttp.Client{Timeout: 10 * time.Second}, logger: m.Logger}
	for _, v := range m.Config.Witnesses {
		w, err := parseWitnessFlag(v)
		if err != nil {
			return err
		}
		p.witnesses = append(p.witnesses, w)
	}
	interval := m.Config.LogInterval
	if interval <= 0 {
		interval = defaultLogInterval
	}
	done := make(chan struct{})
	m.witnessDone = done
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			p.round(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}
