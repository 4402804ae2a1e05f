// bench.js: offline verification throughput of @govtechsg/open-attestation
// on the licence documents bench/sealverify writes (one JSON object a line).
//
//   node bench.js docs.jsonl [rounds]
//
// Each licence is wrapped on its own (v2 wrapDocument: salted fields,
// targetHash = merkleRoot, empty proof) and signed (v2 signDocument,
// Secp256k1VerificationKey2018, the only algorithm the library supports) by a
// did:ethr key, then serialised. Signing happens before timing. The timed
// work, per document, on one Node thread:
//   1. JSON.parse of the signed document (decode, as ucx's Verify parses bytes);
//   2. verifySignature(doc): the library's integrity check (digest of the
//      salted data = targetHash, merkle proof to merkleRoot);
//   3. the signature check: recover the signer's address from proof[0].signature
//      over the merkle root (ethers verifyMessage, as the library's signer
//      signs) and compare it with the did:ethr address in verificationMethod.
//      oa-verify's DID check does the same recovery but resolves the DID over
//      the network; here the address in the DID stands in, offline.
"use strict";
const fs = require("fs");
const path = require("path");
const oa = require("@govtechsg/open-attestation");
// ethers v5 wallet as open-attestation itself depends on it.
const oaDir = path.dirname(require.resolve("@govtechsg/open-attestation/package.json"));
const { Wallet, verifyMessage } = require(require.resolve("@ethersproject/wallet", { paths: [oaDir] }));
const { arrayify } = require(require.resolve("@ethersproject/bytes", { paths: [oaDir] }));

async function main() {
  const file = process.argv[2] || "docs.jsonl";
  const rounds = Number(process.argv[3] || 3);
  const licences = fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));

  const wallet = new Wallet("0x497c85ed89f1874ba37532d1e33519aba15bd533cdcb90774cc497bfe3cde655");
  const did = `did:ethr:${wallet.address}`;
  const key = { public: `${did}#controller`, private: wallet.privateKey };
  const issuers = [
    {
      id: did,
      name: "广东省商务厅",
      revocation: { type: "NONE" },
      identityProof: { type: "DID", key: `${did}#controller` },
    },
  ];

  const t0 = process.hrtime.bigint();
  const signed = [];
  for (const l of licences) {
    const wrapped = oa.wrapDocument({ ...l, issuers });
    const doc = await oa.signDocument(wrapped, oa.SUPPORTED_SIGNING_ALGORITHM.Secp256k1VerificationKey2018, key);
    signed.push(JSON.stringify(doc));
  }
  const prepS = Number(process.hrtime.bigint() - t0) / 1e9;
  const avg = Math.round(signed.reduce((n, s) => n + Buffer.byteLength(s), 0) / signed.length);

  function verifyOne(s) {
    const doc = JSON.parse(s);
    if (!oa.verifySignature(doc)) return "verifySignature failed";
    const p = doc.proof && doc.proof[0];
    if (!p || p.type !== "OpenAttestationSignature2018") return "no proof";
    const m = /^did:ethr:(0x[0-9a-fA-F]{40})#controller$/.exec(p.verificationMethod);
    if (!m) return "verificationMethod is not a did:ethr controller";
    const signer = verifyMessage(arrayify("0x" + doc.signature.merkleRoot), p.signature);
    if (signer.toLowerCase() !== m[1].toLowerCase()) return "signature does not match the issuer";
    return null;
  }
  // A tampered document must fail, or the timing means nothing.
  const bad = JSON.parse(signed[0]);
  bad.data.destination = bad.data.destination.replace(/KZ$/, "RU");
  if (oa.verifySignature(bad)) throw new Error("a tampered document verified");
  const forged = JSON.parse(signed[0]);
  forged.proof[0].verificationMethod = `did:ethr:${Wallet.createRandom().address}#controller`;
  if (verifyOne(JSON.stringify(forged)) === null) throw new Error("a document signed by another key verified");

  function pass() {
    const start = process.hrtime.bigint();
    for (let i = 0; i < signed.length; i++) {
      const err = verifyOne(signed[i]);
      if (err) throw new Error(`document ${i + 1}: ${err}`);
    }
    return Number(process.hrtime.bigint() - start) / 1e9;
  }
  pass(); // warm-up
  const ts = [];
  for (let r = 0; r < Math.max(rounds, 1); r++) ts.push(pass());
  ts.sort((a, b) => a - b);
  const rate = signed.length / ts[Math.floor(ts.length / 2)];

  // Where the time goes: verifySignature alone, and the signature recovery alone.
  const docs = signed.map((s) => JSON.parse(s));
  let s = process.hrtime.bigint();
  for (const d of docs) oa.verifySignature(d);
  const vsRate = docs.length / (Number(process.hrtime.bigint() - s) / 1e9);
  s = process.hrtime.bigint();
  for (const d of docs) verifyMessage(arrayify("0x" + d.signature.merkleRoot), d.proof[0].signature);
  const recRate = docs.length / (Number(process.hrtime.bigint() - s) / 1e9);

  const version = require(path.join(oaDir, "package.json")).version;
  console.log(`open-attestation ${version}: ${signed.length} documents, signed document ${avg} B on average (wrapped+signed in ${prepS.toFixed(1)} s); node ${process.version}`);
  console.log(`open-attestation parse + verifySignature + signature check: ${rate.toFixed(0)} documents/s`);
  console.log(`  verifySignature alone: ${vsRate.toFixed(0)} documents/s; secp256k1 recovery alone: ${recRate.toFixed(0)} documents/s`);
  console.log(`OA_DOCS_PER_S=${rate.toFixed(0)}`);
}

main().catch((e) => {
  console.error("bench.js:", e && e.stack ? e.stack : e);
  process.exit(1);
});
