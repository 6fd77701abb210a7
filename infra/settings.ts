import { Duration } from "aws-cdk-lib";
import type { ThrottleSettings } from "aws-cdk-lib/aws-apigatewayv2";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Node } from "constructs";
import { DEFAULT_STACK_NAME } from "./names.ts";

/** What an operator may tune per deployment, with `-c key=value` or in cdk.json's "context". */
export interface Settings {
  stackName: string;
  throttle: Required<ThrottleSettings>;
  logRetention: RetentionDays;
  ui: boolean;
  authorizerCacheTtl: Duration;
  /** Subscribed by e-mail to the alarm topic; none by default. */
  alarmEmail: string | undefined;
  /** AWS login (POST /v1/auth/aws): its own API Gateway route throttle, and this deployment's server id ("" = derived). */
  loginThrottle: Required<ThrottleSettings>;
  serverId: string;
}

/** Context keys and their defaults (documented in docs/deploy.md). */
export const SETTING_DEFAULTS = {
  stackName: DEFAULT_STACK_NAME,
  throttleRateLimit: 100,
  throttleBurstLimit: 200,
  logRetentionDays: 30,
  ui: true,
  authorizerCacheSeconds: 60,
  alarmEmail: "",
  loginThrottleRateLimit: 5,
  loginThrottleBurstLimit: 10,
  serverId: "",
} as const;

const RETENTIONS = new Set<number>(Object.values(RetentionDays).filter((v) => typeof v === "number"));

/** Reads the settings from the app's context, failing synth with a clear message on a bad value. */
export function readSettings(node: Node): Settings {
  const get = (key: keyof typeof SETTING_DEFAULTS) => node.tryGetContext(key) ?? SETTING_DEFAULTS[key];
  const num = (key: keyof typeof SETTING_DEFAULTS, ok: (n: number) => boolean, rule: string): number => {
    const value = Number(get(key));
    if (!Number.isFinite(value) || !ok(value))
      throw new Error(`context ${key}=${String(get(key))} is invalid: ${rule}`);
    return value;
  };
  const stackName = String(get("stackName"));
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName))
    throw new Error(
      `context stackName=${stackName} is invalid: letters, digits and '-', starting with a letter`,
    );
  const uiValue = get("ui");
  const alarmEmail = String(get("alarmEmail")).trim();
  if (alarmEmail && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail))
    throw new Error(`context alarmEmail=${alarmEmail} is invalid: an e-mail address, e.g. ops@example.com`);
  return {
    stackName,
    throttle: {
      rateLimit: num("throttleRateLimit", (n) => n > 0, "requests per second, more than 0"),
      burstLimit: num("throttleBurstLimit", (n) => Number.isInteger(n) && n > 0, "a whole number above 0"),
    },
    logRetention: num(
      "logRetentionDays",
      (n) => RETENTIONS.has(n),
      `one of CloudWatch's retention periods (${[...RETENTIONS].sort((a, b) => a - b).join(", ")})`,
    ) as RetentionDays,
    ui: uiValue !== false && uiValue !== "false",
    loginThrottle: {
      rateLimit: num("loginThrottleRateLimit", (n) => n > 0, "requests per second, more than 0"),
      burstLimit: num(
        "loginThrottleBurstLimit",
        (n) => Number.isInteger(n) && n > 0,
        "a whole number above 0",
      ),
    },
    serverId: serverIdSetting(String(get("serverId"))),
    authorizerCacheTtl: Duration.seconds(
      num("authorizerCacheSeconds", (n) => Number.isInteger(n) && n >= 0 && n <= 60, "0 to 60 seconds"),
    ),
    alarmEmail: alarmEmail || undefined,
  };
}

/** A server id given with -c serverId=…: what SERVER_ID accepts (it travels in an HTTP header). */
function serverIdSetting(value: string): string {
  if (value !== "" && !/^[A-Za-z0-9._:/@+=-]{1,128}$/.test(value))
    throw new Error(`context serverId=${value} is invalid: 1-128 letters, digits and . _ : / @ + = -`);
  return value;
}
