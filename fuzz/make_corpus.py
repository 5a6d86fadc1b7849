#!/usr/bin/env python3
"""Writes the seed corpora of fuzz/corpus/<target>/ from the repository's examples and test data
plus hand-written edge cases. Run from anywhere; rerun after changing it (the output is committed,
CI does not run this). Seeds are kept small: libFuzzer grows the corpus itself."""
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")


def read(rel):
    with open(os.path.join(ROOT, rel), "rb") as f:
        return f.read()


def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def set_path(obj, path, value):
    cur = obj
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value


RAW = "\x00RAW\x00"  # marks a value spliced in as raw JSON text (numbers json.dumps cannot write)


def with_raw(base, path, raw):
    obj = json.loads(json.dumps(base))
    set_path(obj, path, RAW)
    return compact(obj).replace(json.dumps(RAW).encode(), raw.encode())


def body_corpus():
    t = "fuzz_body"
    full = json.loads(read("examples/teleconsultation-full.json"))
    write(t, "example-full.json", compact(full))
    write(t, "example-minimal.json", compact(json.loads(read("examples/teleconsultation-minimal.json"))))
    write(t, "example-sick-leave-document.json",
          compact(json.loads(read("examples/document-sick-leave-prolongation.json"))))
    for case in sorted(os.listdir(os.path.join(ROOT, "tests/data/fhir"))) + [
            "../rules/" + c for c in sorted(os.listdir(os.path.join(ROOT, "tests/data/rules")))]:
        rel = os.path.join("tests/data/fhir", case, "input.json")
        if os.path.exists(os.path.join(ROOT, rel)):
            write(t, "test-" + os.path.basename(case) + ".json", compact(json.loads(read(rel))))
    # Each document of the full example on its own (POST .../documents bodies).
    for d in full["documents"]:
        write(t, "document-" + d["kind"] + ".json", compact(d))
    # Decimals and numbers (finding 1: RapidJSON 1.1's number-to-double paths).
    qty = ["documents", 1, "items", 0, "quantity"]
    zeros = "0." + "0" * 400 + "1"
    write(t, "edge-quantity-400-zeros.json", with_raw(full, qty, zeros))
    write(t, "edge-quantity-1e-400.json", with_raw(full, qty, "1e-400"))
    write(t, "edge-quantity-huge-exponent.json", with_raw(full, qty, "1e999999999"))
    write(t, "edge-quantity-minus-zero.json", with_raw(full, qty, "-0"))
    write(t, "edge-quantity-long-integer.json", with_raw(full, qty, "9" * 40))
    write(t, "edge-duration-fraction.json", with_raw(full, ["documents", 1, "items", 0,
                                                            "durationDays"], "5.0000000000000001"))
    write(t, "edge-amount-400-zeros.json", with_raw(full, ["billing", "amount"], json.dumps(zeros)))
    write(t, "edge-amount-number.json", with_raw(full, ["billing", "amount"], "25.00"))
    write(t, "edge-amount-negative.json", with_raw(full, ["billing", "amount"], '"-25.00"'))
    write(t, "edge-amount-exponent.json", with_raw(full, ["billing", "amount"], '"2.5E1"'))
    # Strings: lone surrogates (finding 4), escapes, a long name (finding 5, scaled down).
    write(t, "edge-family-lone-low-surrogate.json",
          with_raw(full, ["patient", "family"], '"DUR\\udc00AND"'))
    write(t, "edge-family-lone-high-surrogate.json",
          with_raw(full, ["patient", "family"], '"DUR\\ud800AND"'))
    write(t, "edge-reason-lone-surrogate.json",
          with_raw(full, ["documents", 2, "reason"], '"\\udc00"'))
    write(t, "edge-family-pair-and-controls.json",
          with_raw(full, ["patient", "family"], '"\\ud83d\\ude00\\u0000\\u001f\\t"'))
    write(t, "edge-family-long.json", with_raw(full, ["patient", "family"], json.dumps("D" * 4096)))
    # Duplicate member names (finding 7).
    text = compact(full).decode()
    write(t, "edge-duplicate-consent.json",
          text.replace('"obtained":true', '"obtained":true,"obtained":false'))
    write(t, "edge-duplicate-patient.json", text.replace('{"externalId"', '{"patient":{},"externalId"', 1))
    # Shapes: deep nesting, wrong types, empty, not objects, invalid UTF-8, trailing bytes.
    write(t, "edge-deep-array.json", text[:-1] + ',"x":' + "[" * 70 + "]" * 70 + "}")
    write(t, "edge-deep-object.json", '{"patient":' + '{"a":' * 70 + "1" + "}" * 70 + "}")
    write(t, "edge-documents-not-array.json", text.replace('"documents":[', '"documents":{"0":[', 1)[:-1] + "}}")
    write(t, "edge-empty-object.json", "{}")
    write(t, "edge-array-root.json", "[]")
    write(t, "edge-invalid-utf8.json", b'{"patient":{"family":"\xc3\x28"}}')
    write(t, "edge-trailing.json", text + " {}")
    write(t, "edge-document-kind-only.json", '{"kind":"prescription","items":[{}]}')


def validator_corpus():
    t = "fuzz_fhir_validator"
    for name in sorted(os.listdir(os.path.join(ROOT, "tests/fhir/data"))):
        write(t, name, compact(json.loads(read(os.path.join("tests/fhir/data", name)))))
    for case in ["minimal-example", "report-pdf-finess", "sick-leave-prolongation-added-later"]:
        write(t, "bundle-" + case + ".json",
              compact(json.loads(read(os.path.join("tests/data/fhir", case, "expected.fhir.json")))))
        write(t, "outcome-" + case + ".json", compact(json.loads(
            read(os.path.join("tests/data/fhir", case, "expected.outcome.json")))))
    write(t, "edge-patient-decimal.json",
          '{"resourceType":"Observation","status":"final","code":{"text":"x"},'
          '"valueQuantity":{"value":0.' + "0" * 400 + '1}}')
    write(t, "edge-exponent.json", '{"resourceType":"Observation","status":"final",'
          '"code":{"text":"x"},"valueQuantity":{"value":1e-400}}')
    write(t, "edge-integer-string.json", '{"resourceType":"ImmunizationRecommendation",'
          '"recommendation":[{"doseNumberPositiveInt":"5"}]}')
    write(t, "edge-birthdate-number.json", '{"resourceType":"Patient","birthDate":19790312}')
    write(t, "edge-contained.json", '{"resourceType":"Patient","contained":[{"resourceType":'
          '"Patient","contained":[{"resourceType":"Bundle","entry":[{"resource":{}}]}]}]}')
    write(t, "edge-lone-surrogate.json", '{"resourceType":"Patient","name":[{"family":"\\udc00"}]}')
    write(t, "edge-duplicate.json", '{"resourceType":"Patient","active":true,"active":false}')
    write(t, "edge-extension.json", '{"resourceType":"Patient","_birthDate":{"extension":[{"url":'
          '"x","valueDecimal":-0}]},"birthDate":"2026-02-30"}')


def config_corpus():
    t = "fuzz_config"
    write(t, "gateway.json", read("config/gateway.json"))
    write(t, "empty-object.json", "{}")
    write(t, "all-sections.json", json.dumps({
        "server": {"host": "::", "port": 0, "maxThreads": 4, "maxQueued": 8,
                   "receiveTimeoutMs": 1000,
                   "tls": {"certificateFile": "/etc/hosts", "privateKeyFile": "/etc/hosts",
                           "caFile": "/etc/hosts", "requireClientCertificate": True}},
        "admin": {"host": "127.0.0.1", "port": 65535, "token": "t"},
        "storage": {"dataDir": "d", "url": "sqlite:/tmp/x.db"},
        "limits": {"maxBodyBytes": 1, "maxJsonDepth": 1, "maxStringBytes": 1,
                   "maxArrayLength": 1},
        "logging": {"level": "debug"},
        "shutdown": {"graceMs": 0},
        "rules": {"severity": {"TLC-CONSENT": "warning"}, "tariffs": {"TCG": "25.00"}},
    }))
    write(t, "overrides.txt", '{"server":{"port":8080}}\x00server.port=99999\n'
          'FHIRGW_SERVER_HOST=\nrules.tariffs.TCG=0.' + "0" * 400 + "1\nserver.prot=1\n")
    write(t, "edge-duplicate-key.json", '{"server":{"port":1,"port":2}}')
    write(t, "edge-unknown-key.json", '{"servr":{"prot":1},"x":{}}')
    write(t, "edge-port-huge.json", '{"server":{"port":1e999999999}}')
    write(t, "edge-port-fraction.json", '{"server":{"port":80.5},"limits":{"maxBodyBytes":-0}}')
    write(t, "edge-lone-surrogate.json", '{"storage":{"dataDir":"\\udc00"}}')
    write(t, "edge-not-object.json", "[1,2,3]")


def connector_options_corpus():
    t = "fuzz_connector_options"
    gw = json.loads(read("config/gateway.json"))
    write(t, "gateway-connectors.json", compact(gw["connectors"]))
    write(t, "file-options.json", '{"directory":"/tmp/fuzz-outbox","format":"mhd","sourceId":"1.2.3"}')
    fhir_rest = {"baseUrl": "https://fhir.example.fr/r4", "caFile": "/etc/hosts",
                 "clientCertificateFile": "/etc/hosts", "clientKeyFile": "/etc/hosts",
                 "timeoutMs": 30000, "allowedEndpoints": ["https://fhir.cabinet-martin.fr/r4"]}
    write(t, "fhir-rest-options.json", compact(fhir_rest))
    write(t, "mhd-options.json", compact({"endpoint": "https://pdsm.example.fr/fhir",
                                          "sourceId": "urn:oid:1.2.250.1", "caFile": "/etc/hosts"}))
    write(t, "instances.json", compact([
        {"id": "dmp", "type": "mhd", "enabled": False, "routes": ["dmp"], "workers": 2,
         "retry": {"maxAttempts": 3, "initialBackoffMs": 10, "maxBackoffMs": 100,
                   "maxAgeMs": 1000},
         "circuitBreaker": {"failureThreshold": 5, "openMs": 1000},
         "options": {"endpoint": "https://pdsm.example.fr/fhir/../../evil"}},
        {"id": "peer", "type": "fhir-rest", "routes": ["treating-physician", "patient"],
         "options": fhir_rest},
        {"id": "outbox", "type": "file", "routes": ["encounter"],
         "options": {"directory": "/tmp/fuzz-outbox"}}]))
    write(t, "stored-config.json", compact({"routes": ["dmp"], "retry": {"maxAttempts": 1},
                                            "options": {"directory": "/tmp/fuzz-outbox"}}))
    write(t, "edge-duplicate-ids.json", '[{"id":"a","type":"file","options":{}},'
          '{"id":"a","type":"file","options":{}}]')
    write(t, "edge-url-tricks.json", '{"baseUrl":"https://h%2f@x:99999/%2e%2e/?#","timeoutMs":1e-400}')
    write(t, "edge-workers-huge.json", '[{"id":"x","type":"file","workers":1e999999999,'
          '"retry":{"maxAttempts":-0},"options":{"directory":"\\udc00"}}]')


def request_head_corpus():
    t = "fuzz_request_head"
    base = ("POST /api/v1/$validate HTTP/1.1\r\nHost: gw.example.fr\r\n"
            "Authorization: Bearer kabc.def\r\nContent-Type: application/json\r\n")
    write(t, "validate.http", base + "Content-Length: 2\r\n\r\n{}")
    write(t, "get.http", "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
    write(t, "http10.http", "GET / HTTP/1.0\r\n\r\n")
    write(t, "chunked.http", base + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    write(t, "edge-two-content-lengths.http", base + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}")
    write(t, "edge-equal-content-lengths.http", base + "Content-Length: 2, 2\r\nContent-Length: 2\r\n\r\n{}")
    write(t, "edge-cl-and-chunked.http", base + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n")
    write(t, "edge-cl-not-numeric.http", base + "Content-Length: 1x\r\n\r\n")
    write(t, "edge-cl-overflow.http", base + "Content-Length: 99999999999999999999999\r\n\r\n")
    write(t, "edge-te-gzip.http", base + "Transfer-Encoding: gzip, chunked\r\n\r\n")
    write(t, "edge-obs-fold.http", base + "X-A: a\r\n b\r\n\r\n")
    write(t, "edge-bare-cr.http", "GET / HTTP/1.1\rHost: x\r\n\r\n")
    write(t, "edge-bare-lf.http", "GET / HTTP/1.1\nHost: x\n\n")
    write(t, "edge-nul.http", "GET / HTTP/1.1\r\nHost: x\x00y\r\n\r\n")
    write(t, "edge-no-host.http", "GET / HTTP/1.1\r\n\r\n")
    write(t, "edge-two-hosts.http", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    write(t, "edge-http2.http", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    write(t, "edge-leading-empty-lines.http", "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
    write(t, "edge-space-before-colon.http", "GET / HTTP/1.1\r\nHost : x\r\n\r\n")
    write(t, "edge-incomplete.http", "GET / HTTP/1.1\r\nHost: x\r\n")
    write(t, "edge-long-target.http", "GET /" + "a" * 9000 + " HTTP/1.1\r\nHost: x\r\n\r\n")
    write(t, "edge-many-headers.http", "GET / HTTP/1.1\r\nHost: x\r\n" + "X: y\r\n" * 120 + "\r\n")
    write(t, "edge-pipelined.http", "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n")


def iti41_response_corpus():
    """An ITI-41 answer: the Content-Type, a LF, the body (fuzz_iti41_response.cpp)."""
    t = "fuzz_iti41_response"
    soap = "application/soap+xml; charset=UTF-8\n"

    def envelope(body, header=""):
        return ('<?xml version="1.0" encoding="UTF-8"?><s:Envelope '
                'xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
                'xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header>' + header +
                '</s:Header><s:Body>' + body + '</s:Body></s:Envelope>')

    def response(status, errors=""):
        return ('<rs:RegistryResponse xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0" '
                'status="' + status + '">' + errors + '</rs:RegistryResponse>')

    def error(code, context, severity="Error"):
        return ('<rs:RegistryError errorCode="' + code + '" codeContext="' + context + '" '
                'severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:' + severity +
                '" location="Document01"/>')

    ok = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"
    ko = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"
    partial = "urn:ihe:iti:2007:ResponseStatusType:PartialSuccess"
    header = ("<a:Action>urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse</a:Action>"
              "<a:RelatesTo>urn:uuid:6a1f0c1e-9d1b-4c4e-8a3b-2f7d9e0a5b11</a:RelatesTo>")
    success = envelope(response(ok), header)
    write(t, "success.txt", soap + success)
    write(t, "failure-two-errors.txt", soap + envelope(response(ko, "<rs:RegistryErrorList>" +
          error("XDSRegistryMetadataError", "classCode") +
          error("XDSRegistryBusy", "busy") + "</rs:RegistryErrorList>")))
    write(t, "failure-duplicate.txt", soap + envelope(response(ko, "<rs:RegistryErrorList>" +
          error("XDSDuplicateUniqueIdInRegistry", "2.25.1234567890123456789012") +
          "</rs:RegistryErrorList>")))
    write(t, "partial.txt", soap + envelope(response(partial, "<rs:RegistryErrorList>" +
          error("XDSExtraMetadataNotSaved", "x", "Warning") + "</rs:RegistryErrorList>")))
    write(t, "fault.txt", soap + envelope(
        '<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>wsse:InvalidSecurity'
        '</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="fr">VIHF</s:Text>'
        '</s:Reason></s:Fault>'))
    write(t, "mtom.txt", 'multipart/related; boundary="uuid:b1"; type="application/xop+xml"; '
          'start="<root@peer>"; start-info="application/soap+xml"\n'
          "--uuid:b1\r\nContent-Type: application/xop+xml; charset=UTF-8; "
          'type="application/soap+xml"\r\nContent-ID: <root@peer>\r\n\r\n' + success +
          "\r\n--uuid:b1--\r\n")
    write(t, "edge-doctype.txt", soap + '<!DOCTYPE x [<!ENTITY a "aaaa">]>' + success)
    write(t, "edge-truncated.txt", soap + success[: len(success) // 2])
    write(t, "edge-html.txt", "text/html\n<html>502</html>")
    write(t, "edge-multipart-unclosed.txt",
          "multipart/related; boundary=zz\n--zz\r\nContent-Type: application/xop+xml\r\n\r\n" +
          success)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    body_corpus()
    validator_corpus()
    config_corpus()
    connector_options_corpus()
    request_head_corpus()
    iti41_response_corpus()
    return 0


if __name__ == "__main__":
    sys.exit(main())
