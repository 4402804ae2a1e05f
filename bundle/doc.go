// Package bundle verifies sealed documents offline: a verification bundle
// (the envelope, the root-sealed trust list, the sealed revocations and
// the transparency log's proofs) judged against the roots and log key the
// verifier pins. It is the one verifier every surface calls: ucx verify,
// POST /api/v1/verify and the public /verify page, so that they cannot
// disagree. It depends on seal and tlog only, never on the web server, so
// that a PDF reader, a CLI or another program can verify bytes without it.
package bundle
