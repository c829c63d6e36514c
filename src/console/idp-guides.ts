import { html, type Html } from './html.js';

// Step-by-step set-up of the common identity providers, with this directory's values filled in. Menu names are
// the providers' own at the time of writing; they move now and then, the fields they ask for do not.

export interface GuideValues {
  baseUrl: string;
  /** The token just created, when the page shows one; otherwise the steps refer to "your token". */
  token?: string;
}

export interface IdpGuide {
  id: string;
  name: string;
  steps: (values: GuideValues) => Html[];
}

const v = (text: string) => html`<span class="val">${text}</span>`;
const tokenText = (values: GuideValues) => (values.token ? v(values.token) : html`the bearer token you created above`);

export const IDP_GUIDES: IdpGuide[] = [
  {
    id: 'okta',
    name: 'Okta',
    steps: (values) => [
      html`In the Okta Admin Console open <strong>Applications → Browse App Catalog</strong> and add <strong>SCIM 2.0 Test App (OAuth Bearer Token)</strong>. Name it and accept the sign-on defaults.`,
      html`On <strong>Provisioning → Integration</strong> click <strong>Configure API Integration</strong> and tick <strong>Enable API integration</strong>.`,
      html`<strong>SCIM 2.0 Base Url</strong>: ${v(values.baseUrl)}`,
      html`<strong>OAuth Bearer Token</strong>: ${tokenText(values)}`,
      html`Click <strong>Test API Credentials</strong>, then <strong>Save</strong>. Okta must reach this URL from its cloud, so it needs HTTPS and a public name.`,
      html`On <strong>Provisioning → To App</strong> click <strong>Edit</strong> and enable <strong>Create Users</strong>, <strong>Update User Attributes</strong> and <strong>Deactivate Users</strong> (and <strong>Sync Password</strong> if this directory accepts passwords). Save.`,
      html`Assign people or groups on <strong>Assignments</strong>; push groups as roles on <strong>Push Groups</strong>. Each call appears in the provisioning log.`,
    ],
  },
  {
    id: 'entra',
    name: 'Microsoft Entra ID',
    steps: (values) => [
      html`In the Entra admin center open <strong>Enterprise applications → New application → Create your own application</strong> and choose <strong>Integrate any other application you don't find in the gallery (Non-gallery)</strong>.`,
      html`Open <strong>Provisioning</strong>, set <strong>Provisioning Mode</strong> to <strong>Automatic</strong>.`,
      html`<strong>Tenant URL</strong>: ${v(`${values.baseUrl}?aadOptscim062020`)} (the flag asks Entra for its standards-compliant behaviour; the URL without it works too).`,
      html`<strong>Secret Token</strong>: ${tokenText(values)}`,
      html`Click <strong>Test Connection</strong>, then <strong>Save</strong>. Review <strong>Mappings</strong> for users and groups.`,
      html`Under <strong>Settings</strong> choose the scope (<em>Sync only assigned users and groups</em> is usual), set <strong>Provisioning Status</strong> to <strong>On</strong> and save. Entra syncs about every 40 minutes.`,
    ],
  },
  {
    id: 'onelogin',
    name: 'OneLogin',
    steps: (values) => [
      html`In OneLogin open <strong>Applications → Add App</strong>, search for <strong>SCIM Provisioner with SAML (SCIM v2 Enterprise)</strong> and save it.`,
      html`On <strong>Configuration</strong>: <strong>SCIM Base URL</strong> ${v(values.baseUrl)} and <strong>SCIM Bearer Token</strong> ${tokenText(values)}. Keep the default SCIM JSON template.`,
      html`Under <strong>API Connection</strong> click <strong>Enable</strong>; the status turns to <em>Enabled</em>.`,
      html`On <strong>Provisioning</strong> tick <strong>Enable provisioning</strong> and choose what deleting or suspending a user in OneLogin does here (<em>Suspend</em> blocks the person in Roster). Save.`,
      html`Assign people on <strong>Users</strong>; send groups as roles with <strong>Rules</strong> (set the <em>Groups</em> parameter).`,
    ],
  },
  {
    id: 'jumpcloud',
    name: 'JumpCloud',
    steps: (values) => [
      html`In the JumpCloud Admin Portal open <strong>SSO Applications → Add New Application</strong> and choose <strong>Custom Application</strong>; select <strong>Export users to this app (Identity Management)</strong>.`,
      html`On the <strong>Identity Management</strong> tab choose <strong>SCIM API</strong>, version <strong>SCIM 2.0</strong>.`,
      html`<strong>Base URL</strong>: ${v(values.baseUrl)}`,
      html`<strong>Token Key</strong>: ${tokenText(values)}`,
      html`Click <strong>Test Connection</strong>: JumpCloud creates and deletes a test user and group, which shows in the provisioning log. Then <strong>Activate</strong> and enable <strong>Group Management</strong> to send groups as roles.`,
      html`Bind user groups to the application on its <strong>User Groups</strong> tab.`,
    ],
  },
  {
    id: 'ping',
    name: 'Ping Identity',
    steps: (values) => [
      html`<strong>PingOne</strong>: open <strong>Integrations → Provisioning</strong>, add a <strong>New Connection</strong> of type <strong>Identity Store → SCIM Outbound</strong>.`,
      html`<strong>SCIM Base URL</strong>: ${v(values.baseUrl)}; <strong>Authentication Method</strong>: <strong>OAuth 2 Bearer Token</strong> with ${tokenText(values)}.`,
      html`Keep the users filter <code>userName eq "%s"</code>, choose the <strong>Remove action</strong> (<em>Disable</em> blocks the person here, <em>Delete</em> deletes), test the connection and enable it. Add a rule to choose who is provisioned.`,
      html`<strong>PingFederate</strong>: create an SP connection of type <strong>Outbound Provisioning</strong> with the <strong>SCIM Connector</strong>, SCIM URL ${v(values.baseUrl)}, SCIM version 2.0, <strong>OAuth 2 Bearer Token</strong> authentication with the same token, then map attributes and activate the channel.`,
    ],
  },
];
