// Ends Jest's output with the plain line CI reads: "N passed, N failed". Under test/run.mjs,
// which runs projects side by side, the counts go to the file it names and it prints the sum.
const { writeFileSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const counts = { passed: results.numPassedTests, failed: results.numFailedTests + results.numRuntimeErrorTestSuites };
    if (process.env.KAFKA_DR_TEST_SUMMARY) writeFileSync(process.env.KAFKA_DR_TEST_SUMMARY, JSON.stringify(counts));
    else process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed\n`);
  }
}
module.exports = SummaryReporter;
