#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"

using namespace fhirgw::common;

namespace {

/// Counts calls, so a test can tell that the macro argument ran exactly once.
struct Calls {
  int count = 0;
  Status status(Status s) {
    ++count;
    return s;
  }
  Result<std::unique_ptr<int>> pointer(int value) {
    ++count;
    if (value < 0) return invalidArgument("negative");
    return std::make_unique<int>(value);
  }
};

Status steps(Calls& calls, Status first, bool& reachedTheEnd) {
  FHIRGW_RETURN_IF_ERROR(calls.status(std::move(first)));
  reachedTheEnd = true;
  return Status::ok();
}

Result<std::string> stepsInAResult(Calls& calls, Status first) {
  FHIRGW_RETURN_IF_ERROR(calls.status(std::move(first)));
  return std::string("done");
}

Status checkOnly(Calls& calls, int value) {
  FHIRGW_RETURN_IF_ERROR(calls.pointer(value));
  return Status::ok();
}

Result<int> twice(Calls& calls, int a, int b) {
  FHIRGW_ASSIGN_OR_RETURN(std::unique_ptr<int> x, calls.pointer(a));
  FHIRGW_ASSIGN_OR_RETURN(auto y, calls.pointer(b));
  return *x + *y;
}

Status intoExisting(Calls& calls, int value, std::unique_ptr<int>& out) {
  FHIRGW_ASSIGN_OR_RETURN(out, calls.pointer(value));
  return Status::ok();
}

}  // namespace

TEST(ReturnIfError, AnOkStatusLetsTheFunctionGoOn) {
  Calls calls;
  bool reached = false;
  EXPECT_TRUE(steps(calls, Status::ok(), reached).isOk());
  EXPECT_TRUE(reached);
  EXPECT_EQ(calls.count, 1) << "the expression is evaluated once";
}

TEST(ReturnIfError, AnErrorIsReturnedAsIsAndStopsTheFunction) {
  Calls calls;
  bool reached = false;
  const Status s = steps(calls, unavailable("store busy"), reached);
  EXPECT_EQ(s, unavailable("store busy"));
  EXPECT_FALSE(reached);
  EXPECT_EQ(calls.count, 1);
}

TEST(ReturnIfError, WorksInAFunctionReturningAResult) {
  Calls calls;
  EXPECT_EQ(*stepsInAResult(calls, Status::ok()), "done");
  const Result<std::string> r = stepsInAResult(calls, notFound("record r1"));
  ASSERT_FALSE(r.hasValue());
  EXPECT_EQ(r.error(), notFound("record r1"));
  EXPECT_EQ(calls.count, 2);
}

TEST(ReturnIfError, TakesAResultAndDropsItsValue) {
  Calls calls;
  EXPECT_TRUE(checkOnly(calls, 1).isOk());
  EXPECT_EQ(checkOnly(calls, -1), invalidArgument("negative"));
  EXPECT_EQ(calls.count, 2);
}

TEST(AssignOrReturn, MovesAMoveOnlyValueIntoANewVariable) {
  Calls calls;
  const Result<int> sum = twice(calls, 2, 3);
  ASSERT_TRUE(sum.hasValue());
  EXPECT_EQ(*sum, 5);
  EXPECT_EQ(calls.count, 2) << "each expression is evaluated once";
}

TEST(AssignOrReturn, AnErrorIsReturnedAndLaterStepsDoNotRun) {
  Calls calls;
  const Result<int> sum = twice(calls, -1, 3);
  ASSERT_FALSE(sum.hasValue());
  EXPECT_EQ(sum.error(), invalidArgument("negative"));
  EXPECT_EQ(calls.count, 1);
}

TEST(AssignOrReturn, AssignsAnExistingVariable) {
  Calls calls;
  std::unique_ptr<int> out;
  EXPECT_TRUE(intoExisting(calls, 7, out).isOk());
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(*out, 7);
  EXPECT_EQ(intoExisting(calls, -7, out), invalidArgument("negative"));
  EXPECT_EQ(*out, 7) << "left alone on error";
  EXPECT_EQ(calls.count, 2);
}
