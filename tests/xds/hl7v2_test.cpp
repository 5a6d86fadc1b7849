#include "fhirgw/xds/hl7v2.hpp"

#include <gtest/gtest.h>

namespace fhirgw::xds {
namespace {

// The strings of dmp-xds.md §1.7, character for character.
TEST(Hl7v2, InsIsACxWithTheInsOidAndTypeNh) {
  EXPECT_EQ(formatCx("279035121518989", "1.2.250.1.213.1.4.8", "NH"),
            "279035121518989^^^&1.2.250.1.213.1.4.8&ISO^NH");
}

TEST(Hl7v2, ProfessionalIsAnXcnWithSixCaretsBeforeTheIdnpsOid) {
  EXPECT_EQ(formatXcn({.id = "801234567890", .family = "NOM", .given = "Prénom"}),
            "801234567890^NOM^Prénom^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS");
}

TEST(Hl7v2, StructureIsAnXonWithTheStructIdNatInComponentTen) {
  EXPECT_EQ(formatXon("CABINET DR X", "1690000880"),
            "CABINET DR X^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^1690000880");
}

TEST(Hl7v2, DelimitersInATextAreEscapedSoComponentsCannotShift) {
  EXPECT_EQ(escapeHl7("A^B&C|D~E\\F"), "A\\S\\B\\T\\C\\F\\D\\R\\E\\E\\F");
  EXPECT_EQ(formatXcn({.id = "801234567890", .family = "DE^LA", .given = "Jean&Marie"}),
            "801234567890^DE\\S\\LA^Jean\\T\\Marie^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS");
  EXPECT_EQ(escapeHl7("a\r\nb"), "a  b");
}

TEST(Hl7v2, MailboxRecipientIsAnXtnAfterTwoEmptyParts) {
  EXPECT_EQ(intendedRecipientMailbox("paul.martin@medecin.mssante.fr"),
            "||^^Internet^paul.martin@medecin.mssante.fr");
}

}  // namespace
}  // namespace fhirgw::xds
