"""A PreTokenGeneration handler written for AWS Lambda, unchanged: it knows nothing of userpool."""


def lambda_handler(event, context):
    event["response"] = {
        "claimsOverrideDetails": {
            "claimsToAddOrOverride": {
                "tenant_id": "tenant-" + event["request"]["userAttributes"].get("custom:tenant", "none"),
                "plan": "gold",
            },
            "claimsToSuppress": ["email"],
        }
    }
    return event
