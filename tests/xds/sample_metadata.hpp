#pragma once

#include "fhirgw/xds/metadata.hpp"

namespace fhirgw::xds::testing {

/// A complete submission of one PDF document, as the builder fills it.
inline Metadata sampleMetadata() {
  Metadata m;
  SubmissionSet& ss = m.submissionSet;
  ss.entryUuid = "urn:uuid:0b6a4e4e-2c55-5d3f-9b7e-5f0f2a1c9d01";
  ss.uniqueId = "2.25.123456789012345678901234567890";
  ss.sourceId = "1.2.250.1.999.1";
  ss.submissionTime = "20261120085000";
  ss.patientId = "279035121518989^^^&1.2.250.1.213.1.4.8&ISO^NH";
  ss.author.person = "810003456786^MARTIN^Paul^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS";
  ss.author.institution =
      "Cabinet du Dr Martin^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^373282932000017";
  ss.author.specialty = "G15_10/SM54^Médecin - Médecine générale (SM)^1.2.250.1.213.1.1.4.5";
  ss.contentTypeCode = {"07", "1.2.250.1.213.2.2", "Consultation Soins Externes"};
  ss.title = "Téléconsultation";
  ss.intendedRecipients = {"||^^Internet^paul.martin@medecin.mssante.fr"};

  DocumentEntry d;
  d.entryUuid = "urn:uuid:1c7b5f5f-3d66-5e40-8c8f-6a1f3b2d0e12";
  d.uniqueId = "2.25.987654321098765432109876543210";
  d.mimeType = "application/pdf";
  d.hash = "ac531304f3a066b25dce0b22c79f5eeb45727bd6";
  d.size = 193;
  d.creationTime = "20261120084800";
  d.title = "Ordonnance <copie> & \"double\"";
  d.author = ss.author;
  d.classCode = {"42", "1.2.250.1.213.1.1.4.1", "Prescription"};
  d.typeCode = {"57833-6", "2.16.840.1.113883.6.1", "Prescription de produits de santé"};
  d.confidentialityCodes = {{"N", "2.16.840.1.113883.5.25", "Normal"}};
  d.formatCode = {"urn:ihe:iti:xds:2017:mimeTypeSufficient", "1.3.6.1.4.1.19376.1.2.3",
                  "mimeType Sufficient"};
  d.healthcareFacilityTypeCode = {"SA07", "1.2.250.1.71.4.2.4", "Cabinet individuel"};
  d.practiceSettingCode = {"AMBULATOIRE", "1.2.250.1.213.1.1.4.9", "Ambulatoire"};
  d.serviceStartTime = "20261120083000";
  d.serviceStopTime = "20261120084500";
  d.patientId = ss.patientId;
  d.sourcePatientId = ss.patientId;
  d.sourcePatientInfo = {"PID-3|279035121518989^^^&1.2.250.1.213.1.4.8&ISO^NH",
                         "PID-5|DURAND^Marie^^^^^L", "PID-7|19790312", "PID-8|F"};
  d.legalAuthenticator = ss.author.person;
  d.uri = "DOC0001.PDF";
  m.documents.push_back(d);

  m.associations.push_back({.entryUuid = "urn:uuid:2d8c6a6a-4e77-5f51-9d90-7b2f4c3e1f23",
                            .sourceObject = ss.entryUuid,
                            .targetObject = d.entryUuid});
  return m;
}

}  // namespace fhirgw::xds::testing
