#pragma once

// The FHIR code systems the mapper writes and the OIDs XDS wants for them (codingScheme), with
// the displays written when a coding has none.

#include <optional>
#include <string>
#include <string_view>

namespace fhirgw::xds::detail {

inline constexpr std::string_view kLoinc = "http://loinc.org";
inline constexpr std::string_view kTreA03 =
    "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument";
inline constexpr std::string_view kTreA05 =
    "https://mos.esante.gouv.fr/NOS/TRE_A05-TypeDocComplementaire/FHIR/"
    "TRE-A05-TypeDocComplementaire";
inline constexpr std::string_view kTreA01 =
    "https://mos.esante.gouv.fr/NOS/TRE_A01-CadreExercice/FHIR/TRE-A01-CadreExercice";
inline constexpr std::string_view kTreR02 =
    "https://mos.esante.gouv.fr/NOS/TRE_R02-SecteurActivite/FHIR/TRE-R02-SecteurActivite";
inline constexpr std::string_view kTreR38 =
    "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale";
inline constexpr std::string_view kV3Confidentiality =
    "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
inline constexpr std::string_view kIheFormatCode =
    "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode";

/// OID of the IHE format codes (codingScheme of formatCode).
inline constexpr std::string_view kIheFormatCodeOid = "1.3.6.1.4.1.19376.1.2.3";
/// The generic format code for a document that is not CDA: its MIME type says enough.
inline constexpr std::string_view kMimeTypeSufficient = "urn:ihe:iti:xds:2017:mimeTypeSufficient";
/// OID of the combined profession / specialty codes of authorSpecialty (JDV_J01).
inline constexpr std::string_view kAuthorSpecialtyOid = "1.2.250.1.213.1.1.4.5";

/// The codingScheme OID of a FHIR system URI ("urn:oid:X" gives X); nullopt for an unknown one.
std::optional<std::string> schemeOid(std::string_view system);

/// The display written for a code of a system when the coding has none; empty when unknown.
std::string knownDisplay(std::string_view system, std::string_view code);

}  // namespace fhirgw::xds::detail
