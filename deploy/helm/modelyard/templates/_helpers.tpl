{{/* The chart's names and labels. */}}
{{- define "modelyard.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "modelyard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "modelyard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "modelyard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "modelyard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "modelyard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "modelyard.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "modelyard.secretName" -}}
{{- .Values.secret.existingSecret | default (include "modelyard.fullname" .) -}}
{{- end -}}

{{/* The most servers that share Redis: the HPA's maximum, else the replica count. */}}
{{- define "modelyard.maxReplicas" -}}
{{- if .Values.autoscaling.enabled -}}
{{- .Values.autoscaling.maxReplicas -}}
{{- else -}}
{{- .Values.replicaCount -}}
{{- end -}}
{{- end -}}

{{/* What the pods and the migration Job read their settings from. */}}
{{- define "modelyard.envFrom" -}}
- configMapRef:
    name: {{ include "modelyard.fullname" . }}
- secretRef:
    name: {{ include "modelyard.secretName" . }}
{{- end -}}

{{/*
The ConfigMap and Secret are hooks too, weighted before the migration Job: on the first
install the Job needs them before the release's own resources exist.
*/}}
{{- define "modelyard.configHook" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: "-10"
helm.sh/hook-delete-policy: before-hook-creation
{{- end -}}
