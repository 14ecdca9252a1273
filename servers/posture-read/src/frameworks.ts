import type { ControlDef } from './domain.js';

export const CIS = 'cis-aws-foundations-3.0';
export const PCI = 'pci-dss-4.0';

export const FRAMEWORKS: { id: string; title: string; url: string }[] = [
  {
    id: CIS,
    title: 'CIS Amazon Web Services Foundations Benchmark v3.0.0',
    url: 'https://www.cisecurity.org/benchmark/amazon_web_services',
  },
  {
    id: PCI,
    title: 'PCI DSS v4.0',
    url: 'https://www.pcisecuritystandards.org/document_library/',
  },
];

/** The controls the server knows; one that no finding maps to is "not evaluated". */
export const CONTROLS: ControlDef[] = [
  { framework: CIS, control: '1.4', title: "Ensure no 'root' user account access key exists" },
  {
    framework: CIS,
    control: '1.10',
    title: 'Ensure MFA is enabled for all IAM users that have a console password',
  },
  { framework: CIS, control: '1.12', title: 'Ensure credentials unused for 45 days or greater are disabled' },
  { framework: CIS, control: '1.14', title: 'Ensure access keys are rotated every 90 days or less' },
  {
    framework: CIS,
    control: '1.16',
    title: 'Ensure IAM policies that allow full "*:*" administrative privileges are not attached',
  },
  { framework: CIS, control: '2.1.1', title: 'Ensure S3 Bucket Policy is set to deny HTTP requests' },
  {
    framework: CIS,
    control: '2.1.4',
    title: "Ensure that S3 Buckets are configured with 'Block public access (bucket settings)'",
  },
  { framework: CIS, control: '2.2.1', title: 'Ensure EBS volume encryption is enabled in all regions' },
  { framework: CIS, control: '2.3.1', title: 'Ensure that encryption-at-rest is enabled for RDS Instances' },
  { framework: CIS, control: '2.3.3', title: 'Ensure that public access is not given to RDS Instance' },
  { framework: CIS, control: '3.1', title: 'Ensure CloudTrail is enabled in all regions' },
  {
    framework: CIS,
    control: '5.2',
    title:
      'Ensure no Network ACLs or security groups allow ingress from 0.0.0.0/0 to remote server administration ports',
  },
  {
    framework: CIS,
    control: '5.4',
    title: 'Ensure the default security group of every VPC restricts all traffic',
  },
  { framework: CIS, control: '5.6', title: 'Ensure that EC2 Metadata Service only allows IMDSv2' },
  {
    framework: PCI,
    control: '1.3.1',
    title: 'Inbound traffic to the cardholder data environment is restricted',
  },
  { framework: PCI, control: '1.4.1', title: 'NSCs are implemented between trusted and untrusted networks' },
  {
    framework: PCI,
    control: '2.2.1',
    title: 'Configuration standards are developed, implemented and maintained',
  },
  { framework: PCI, control: '3.5.1', title: 'PAN is rendered unreadable anywhere it is stored' },
  {
    framework: PCI,
    control: '6.3.3',
    title: 'System components are protected from known vulnerabilities by installing patches',
  },
  {
    framework: PCI,
    control: '8.2.6',
    title: 'Inactive user accounts are removed or disabled within 90 days of inactivity',
  },
  {
    framework: PCI,
    control: '8.3.9',
    title: 'Passwords/passphrases are changed at least once every 90 days',
  },
  {
    framework: PCI,
    control: '8.4.1',
    title:
      'MFA is implemented for all non-console access into the CDE for personnel with administrative access',
  },
  {
    framework: PCI,
    control: '10.2.1',
    title: 'Audit logs are enabled and active for all system components and cardholder data',
  },
  {
    framework: PCI,
    control: '11.3.1',
    title: 'Internal vulnerability scans are performed at least once every three months',
  },
];
