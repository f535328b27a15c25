// Start-up of the vendored Swagger UI (kept out of the page so the CSP needs no inline script).
window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', layout: 'BaseLayout', deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset] });
