// Package ucx is the domain vocabulary of the used-car export platform: the
// vehicles, decisions, organisations, applications and documents that China's
// used-car export regime (商贸函〔2025〕648号 and its framework, REGULATION.md
// R1–R17) talks about, and the service interfaces that the subpackages
// implement.
//
// The root package holds no I/O. Subpackages are named after what they wrap
// (vin, policy, sqlstore, http, seal) and talk to one another only through
// the types declared here; cmd/ucx wires them together by hand.
package ucx
