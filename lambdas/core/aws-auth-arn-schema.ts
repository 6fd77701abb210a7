import { z } from "zod";
import { ROLE_ARN } from "./aws-auth-arn.ts";

/** A binding's principalArn: an IAM role ARN in the `aws` partition, path allowed, nothing else. */
export const roleArnSchema = z
  .string({ error: "principalArn must be a string" })
  .max(600, { error: "principalArn is longer than an IAM role ARN can be" })
  .regex(ROLE_ARN, {
    error:
      "principalArn must be an IAM role ARN, arn:aws:iam::<12-digit account>:role/<optional/path/><name>, e.g. arn:aws:iam::123456789012:role/billing-agent",
  })
  .refine((arn) => (ROLE_ARN.exec(arn)?.[2]?.length ?? 0) <= 512, {
    error: "principalArn's path is longer than IAM allows (512 characters)",
  });
