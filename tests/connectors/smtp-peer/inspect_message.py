#!/usr/bin/python3
"""Reads a received MSSanté message with implementations other than the gateway's: Python's
email package for MIME, zipfile for IHE_XDM.ZIP, xmllint (libxml2-utils) for the ebRIM schema
check of METADATA.XML and ElementTree for its content. Prints one JSON object:

  {"headers": {name: value (decoded)}, "text": ..., "attachments": [{"contentType",
   "filename", "size", "sha1"}], "zip": {"entries": {name: {"size", "sha1"}}},
   "metadata": {"schemaValid", "schemaErrors", "patientId", "authorPerson", "typeCode",
   "classCode", "formatCode", "mimeType", "hash", "size", "uri", "uniqueIds",
   "intendedRecipients"}}

usage: inspect_message.py MESSAGE.eml LCM_XSD
"""
import email
import email.policy
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile

RIM = "{urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0}"
SCHEMES = {
    "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a": "classCode",
    "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983": "typeCode",
    "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d": "formatCode",
}


def slot(element, name):
    for s in element.findall(RIM + "Slot"):
        if s.get("name") == name:
            return [v.text for v in s.iter(RIM + "Value")]
    return []


def metadata_of(xml_bytes, xsd):
    out = {}
    with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as f:
        f.write(xml_bytes)
        path = f.name
    try:
        check = subprocess.run(["xmllint", "--noout", "--nonet", "--schema", xsd, path],
                               capture_output=True, text=True)
        out["schemaValid"] = check.returncode == 0
        out["schemaErrors"] = check.stderr.strip()[-2000:]
    finally:
        os.unlink(path)
    root = ET.fromstring(xml_bytes)
    doc = next(root.iter(RIM + "ExtrinsicObject"))
    package = next(root.iter(RIM + "RegistryPackage"))
    out["mimeType"] = doc.get("mimeType")
    out["hash"] = (slot(doc, "hash") or [None])[0]
    out["size"] = (slot(doc, "size") or [None])[0]
    out["uri"] = (slot(doc, "URI") or [None])[0]
    out["intendedRecipients"] = slot(package, "intendedRecipient")
    for c in doc.findall(RIM + "Classification"):
        scheme = c.get("classificationScheme")
        if scheme in SCHEMES:
            out[SCHEMES[scheme]] = c.get("nodeRepresentation")
        if scheme == "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d":
            out["authorPerson"] = (slot(c, "authorPerson") or [None])[0]
    out["uniqueIds"] = {}
    for element in (doc, package):
        for e in element.findall(RIM + "ExternalIdentifier"):
            name = e.find(RIM + "Name/" + RIM + "LocalizedString")
            label = name.get("value") if name is not None else e.get("identificationScheme")
            if label.endswith("patientId"):
                out["patientId"] = e.get("value")
            out["uniqueIds"][label] = e.get("value")
    return out


def main():
    raw = open(sys.argv[1], "rb").read()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    result = {"headers": {k: str(v) for k, v in message.items()}, "attachments": []}
    if not message.is_multipart():
        raise SystemExit("not a multipart message")
    for part in message.iter_parts():
        if part.get_content_maintype() == "text" and part.get_filename() is None:
            result["text"] = part.get_content()
            continue
        data = part.get_payload(decode=True)
        result["attachments"].append({
            "contentType": part.get_content_type(), "filename": part.get_filename(),
            "size": len(data), "sha1": hashlib.sha1(data).hexdigest()})
        if part.get_filename() == "IHE_XDM.ZIP":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if z.testzip() is not None:
                    raise SystemExit("corrupt zip entry")
                entries = {}
                for info in z.infolist():
                    content = z.read(info)
                    entries[info.filename] = {"size": len(content),
                                              "sha1": hashlib.sha1(content).hexdigest()}
                result["zip"] = {"entries": entries}
                result["metadata"] = metadata_of(z.read("IHE_XDM/SUBSET01/METADATA.XML"),
                                                 sys.argv[2])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
