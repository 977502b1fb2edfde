import { describe, expect, it } from "vitest";
import { rejectedFields } from "./schemaValues";

describe("rejectedFields", () => {
  it("reads each invalid field line onto its input, required inputs and nested paths included", () => {
    const error = [
      "- input.num_outputs: Must be less than or equal to 4",
      '- input.output_format: output_format must be one of the following: "webp", "png"',
      "- input.output_format: Must validate all the schemas (allOf)",
      "- input: prompt is required",
      "- input.image_input.0: Does not match format 'uri'",
    ].join("\n");
    expect(rejectedFields(error)).toEqual({
      num_outputs: "Must be less than or equal to 4",
      output_format: 'output_format must be one of the following: "webp", "png" Must validate all the schemas (allOf)',
      prompt: "prompt is required",
      image_input: "Does not match format 'uri'",
    });
  });

  it("names nothing for a refusal that lists no field", () => {
    expect(rejectedFields("The model is not available")).toEqual({});
    expect(rejectedFields(null)).toEqual({});
  });
});
