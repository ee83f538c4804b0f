// rtnet/Pose.h: headings that turn the short way, poses with Predictor and Interpolator, and reading and
// writing a pose in a room document.
#include <cmath>
#include <optional>

#include "TestSupport.h"
#include "rtnet/MergePatch.h"
#include "rtnet/Pose.h"
#include "rtnet/Prediction.h"

namespace rtnet {
namespace {

using test::J;

TEST(PoseTest, AnglesAreNormalisedIntoTheHalfOpenCircle) {
  EXPECT_DOUBLE_EQ(NormalizeDegrees(0), 0);
  EXPECT_DOUBLE_EQ(NormalizeDegrees(180), 180);
  EXPECT_DOUBLE_EQ(NormalizeDegrees(-180), 180);
  EXPECT_DOUBLE_EQ(NormalizeDegrees(190), -170);
  EXPECT_DOUBLE_EQ(NormalizeDegrees(-190), 170);
  EXPECT_DOUBLE_EQ(NormalizeDegrees(720 + 45), 45);
  EXPECT_DOUBLE_EQ(NormalizeDegrees(NAN), 0);
  EXPECT_DOUBLE_EQ(DeltaDegrees(170, -170), 20);   // through 180, not back through 0
  EXPECT_DOUBLE_EQ(DeltaDegrees(-170, 170), -20);
  EXPECT_DOUBLE_EQ(DeltaDegrees(10, 30), 20);
}

TEST(PoseTest, InterpolationTurnsTheShortWay) {
  const Pose a{0, 0, 0, 170};
  const Pose b{10, 20, 30, -170};
  const Pose half = PoseMath::Lerp(a, b, 0.5);
  EXPECT_DOUBLE_EQ(half.x, 5);
  EXPECT_DOUBLE_EQ(half.y, 10);
  EXPECT_DOUBLE_EQ(half.z, 15);
  EXPECT_DOUBLE_EQ(half.yaw, 180);
  EXPECT_DOUBLE_EQ(PoseMath::Lerp(a, b, 0.75).yaw, -175);
  EXPECT_DOUBLE_EQ(PoseMath::Distance(a, b), std::sqrt(100.0 + 400.0 + 900.0));  // the heading is not a distance
}

TEST(PoseTest, RemoteEntitiesInterpolateAcrossTheWrap) {
  Interpolator<Pose, PoseMath> interpolator(InterpolatorOptions{0.1, 0.05, 8});
  interpolator.AddSample("p1", 1.0, Pose{0, 0, 0, 160});
  interpolator.AddSample("p1", 1.1, Pose{10, 0, 0, -160});
  const Interpolated<Pose> sample = interpolator.Sample("p1", 1.15);  // render time 1.05: half way
  ASSERT_EQ(sample.status, InterpolationStatus::kInterpolated);
  EXPECT_NEAR(sample.state.x, 5, 1e-9);
  EXPECT_NEAR(sample.state.yaw, 180, 1e-9);
}

TEST(PoseTest, PredictionCorrectsTheHeadingTheShortWayAndSmoothsIt) {
  Predictor<Pose, Pose, PoseMath> predictor(
      Pose{0, 0, 0, 175}, [](const Pose& state, const Pose& move) { return PoseMath::Add(state, move); },
      PredictorOptions{16, 50.0, 0.1}, &PoseMath::Distance);
  predictor.Predict(Pose{1, 0, 0, 10});  // to -175
  EXPECT_DOUBLE_EQ(predictor.predicted().yaw, -175);
  // The server says the move was applied at heading 179: 10 degrees later is -171.
  const Reconciliation result = predictor.Reconcile(Pose{1, 0, 0, -171}, 1);
  EXPECT_TRUE(result.applied);
  EXPECT_FALSE(result.snapped);
  EXPECT_DOUBLE_EQ(predictor.visual_error().yaw, -4);  // shown at -175: 4 degrees short of -171
  predictor.Tick(10);  // long after: the error has decayed
  EXPECT_NEAR(predictor.Display().yaw, -171, 1e-6);
}

TEST(PoseTest, PosesAreReadFromTheEntitysObjectAndWrittenBackAsAMergePatch) {
  const Path path = *Path::Parse("players/p1");
  const Value doc = J(R"({"players":{"p1":{"x":1.5,"y":2,"z":3,"yaw":270,"ack":17,"hp":9}}})");
  std::optional<PoseReading> read = ReadPose(doc, path, PoseFields{}, 100.0);
  ASSERT_TRUE(read);
  EXPECT_DOUBLE_EQ(read->pose.x, 150);
  EXPECT_DOUBLE_EQ(read->pose.y, 200);
  EXPECT_DOUBLE_EQ(read->pose.z, 300);
  EXPECT_DOUBLE_EQ(read->pose.yaw, -90);  // a heading is not scaled, only normalised
  EXPECT_TRUE(read->has_yaw);
  EXPECT_EQ(read->ack, 17u);

  const Value patch = PosePatch(path, PoseFields{}, read->pose, 100.0, true, 18);
  EXPECT_EQ(patch, J(R"({"players":{"p1":{"x":1.5,"y":2.0,"z":3.0,"yaw":-90.0,"ack":18}}})"));
  EXPECT_EQ(MergePatch(doc, patch), J(R"({"players":{"p1":{"x":1.5,"y":2,"z":3,"yaw":-90,"ack":18,"hp":9}}})"));

  // Only x and y are required; other names; a bad ack is ignored.
  PoseFields fields;
  fields.x = "px";
  fields.y = "py";
  fields.yaw = "";
  const Value flat = J(R"({"e":{"px":4,"py":5,"ack":-1}})");
  read = ReadPose(flat, *Path::Parse("e"), fields);
  ASSERT_TRUE(read);
  EXPECT_DOUBLE_EQ(read->pose.z, 0);
  EXPECT_FALSE(read->has_yaw);
  EXPECT_FALSE(read->ack.has_value());
  EXPECT_EQ(PosePatch(*Path::Parse("e"), fields, read->pose, 1.0, true, std::nullopt),
            J(R"({"e":{"px":4.0,"py":5.0,"z":0.0}})"));

  for (const char* bad : {R"({"e":{"x":1}})", R"({"e":{"x":"1","y":2}})", R"({"e":5})", R"({})"}) {
    EXPECT_FALSE(ReadPose(J(bad), *Path::Parse("e"), PoseFields{})) << bad;
  }
}

TEST(PoseTest, EngineReplicationWinsThenTheModeThenWhoControlsThePawn) {
  using M = MovementModeSetting;
  const MovementSituation mine{false, true};
  const MovementSituation theirs{false, false};
  const MovementSituation replicated{true, false};
  EXPECT_EQ(ChooseMovementRole(M::kAuto, mine), MovementRole::kPredict);
  EXPECT_EQ(ChooseMovementRole(M::kAuto, theirs), MovementRole::kFollow);
  EXPECT_EQ(ChooseMovementRole(M::kLocal, theirs), MovementRole::kPredict);
  EXPECT_EQ(ChooseMovementRole(M::kRemote, mine), MovementRole::kFollow);
  for (M mode : {M::kAuto, M::kLocal, M::kRemote}) {
    EXPECT_EQ(ChooseMovementRole(mode, replicated), MovementRole::kIdle);  // never fight the engine
  }
  EXPECT_STREQ(ToString(MovementRole::kFollow), "follow");
}

TEST(PoseTest, TuningChangesLiveWithoutLosingSamplesOrInputs) {
  Interpolator<Pose, PoseMath> interpolator(InterpolatorOptions{0.1, 0.0, 8});
  interpolator.AddSample("e", 1.0, Pose{0, 0, 0, 0});
  interpolator.AddSample("e", 2.0, Pose{10, 0, 0, 0});
  EXPECT_NEAR(interpolator.Sample("e", 2.1).state.x, 10, 1e-9);
  interpolator.SetOptions(InterpolatorOptions{0.6, 0.0, 8});  // further in the past now
  EXPECT_NEAR(interpolator.Sample("e", 2.1).state.x, 5, 1e-9);
  EXPECT_EQ(interpolator.samples("e"), 2u);

  Predictor<Pose, Pose, PoseMath> predictor(
      Pose{}, [](const Pose& state, const Pose& move) { return PoseMath::Add(state, move); },
      PredictorOptions{16, 100.0, 0.1}, &PoseMath::Distance);
  predictor.Predict(Pose{5, 0, 0, 0});
  predictor.SetCorrection(1.0, 0.1);  // corrections above 1 unit snap from now on
  EXPECT_TRUE(predictor.Reconcile(Pose{0, 0, 0, 0}, 0).snapped == false);  // 0 off: the input is replayed
  EXPECT_TRUE(predictor.Reconcile(Pose{3, 0, 0, 0}, 1).snapped);           // 2 units off: snaps
  EXPECT_EQ(predictor.pending(), 0u);
}

}  // namespace
}  // namespace rtnet
